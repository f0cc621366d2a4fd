// Parent and child: the boot handshake (Hello, Welcome, Spawn, SpawnAck) and the
// actor-wide stop (Cancel with call id 0, answered with CancelAck once the subtree is gone).
#include <algorithm>

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"
#include "operator_key.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

namespace asio = boost::asio;

Subscription ActorCore::expect_child(const std::string& uid, CallReply& boot) {
  return subscribe_in(expected_children_, uid, &boot);
}

Subscription ActorCore::expect_stop_ack(const std::string& uid, CallReply& ack) {
  return subscribe_in(expected_stop_acks_, uid, &ack);
}

void ActorCore::send_spawn(Peer& child) {
  send(
      child, {.to = child.identity.ref()},
      [&](flatbuffers::FlatBufferBuilder& b) {
        auto child_id = wire::Encoder::actor_id(b, child.identity.ref());
        auto parent = wire::Encoder::actor_id(b, identity_.ref());
        auto parent_endpoint = b.CreateString(endpoint_);
        wire::SpawnBuilder spawn(b);
        spawn.add_child(child_id);
        spawn.add_parent(parent);
        spawn.add_parent_endpoint(parent_endpoint);
        spawn.add_link_timeout_ms(static_cast<std::uint32_t>(
            (options_.heartbeat_interval * options_.heartbeat_liveness).count()));
        return spawn.Finish();
      },
      transport::Priority::control);
}

void ActorCore::on_stop_answer(Peer& peer, transport::InboundMessage message) {
  auto it = expected_stop_acks_.find(peer.identity.uid);
  if (it != expected_stop_acks_.end()) it->second->set_value(std::move(message));
}

void ActorCore::on_spawn_ack(Peer& peer, transport::InboundMessage message) {
  auto it = expected_children_.find(peer.identity.uid);
  if (it != expected_children_.end()) it->second->set_value(std::move(message));
}

task<Portal> ActorCore::boot_as_child(const std::string& parent_endpoint,
                                      std::chrono::milliseconds timeout) {
  // Armed before connecting: the Spawn may arrive right behind the Welcome.
  CallReply spawn(executor_);
  std::optional<Portal> parent;
  {
    Subscription armed = subscribe_slot(spawn_waiter_, &spawn);
    parent.emplace(co_await connect(parent_endpoint));
    if (!co_await move_on_after(timeout, spawn.wait()))
      throw PeerLost(parent->peer(), fmt::format("no spawn spec within {} ms", timeout.count()));
  }
  // A lost parent stops this actor: the caller's wait_for_stop_request() returns.
  parent_loss_ = listen_for_loss(parent->peer().uid, [this](const std::string& why) {
    log::warn("actor {}: parent lost ({}); stopping", identity_.display(), why);
    request_stop(Clock::now() + options_.stop_grace);
  });
  co_return std::move(*parent);
}

void ActorCore::on_spawn(Peer& peer, transport::InboundMessage message) {
  const std::uint64_t in_reply_to = message.envelope().msg_id();
  // Not booting, or answered already: a stray Spawn.
  if (!spawn_waiter_ || !spawn_waiter_->set_value(std::move(message))) return;
  send(
      peer, {.in_reply_to = in_reply_to},
      [&](flatbuffers::FlatBufferBuilder& b) {
        auto child = wire::Encoder::actor_id(b, identity_.ref());
        return wire::CreateSpawnAck(b, child, static_cast<std::uint32_t>(::getpid()));
      },
      transport::Priority::control);
}

task<void> ActorCore::wait_for_stop_request() {
  co_await stop_request_.wait();
}

task<void> ActorCore::end_serve_on_stop_request(Nursery& service) {
  co_await stop_request_.wait();
  if (stop_handled_by_owner_) co_return;
  // Nothing in this process (no Program, no service awaiting stop_requested()) decides
  // what stopping means, so the actor stops itself rather than ignore the request.
  if (run_main_) {
    // Actor::run: main goes first (its children are stopped over live connections);
    // serving ends when it has.
    log::info("actor {}: stopping on request: cancelling run()'s main", identity_.display());
    run_main_->cancel();
    co_return;
  }
  const auto bound = stop_deadline_ ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                          *stop_deadline_ - Clock::now())
                                    : options_.stop_grace;
  log::info("actor {}: stopping on request: serve() ends", identity_.display());
  co_await cancel_serving_calls(std::max(bound, std::chrono::milliseconds(1)));
  service.cancel();
}

void ActorCore::on_actor_cancel(Peer& peer, const wire::Envelope& envelope) {
  const auto* to = envelope.to();
  const bool from_parent = !options_.parent_uid.empty() && peer.identity.uid == options_.parent_uid;
  if (!from_parent) {
    const auto* token = envelope.body_as_Cancel()->operator_token();
    if (!token || !is_operator_token(token->str())) {
      // Only our parent, or an operator of this host, may stop us or our children.
      log::warn("actor {}: refused a stop request from {}: not our parent, and no operator key",
                identity_.display(), peer.identity.display());
      return send_error_reply(peer, {.in_reply_to = envelope.msg_id()},
                              wire::ErrorKind::Unauthorized,
                              "only the parent of " + identity_.display() +
                                  " or an operator of its host may stop it");
    }
  }
  if (to && to->uid() && to->uid()->size() > 0 && to->uid()->string_view() != identity_.uid)
    return on_child_stop_request(peer, envelope, to->uid()->str());
  if (stop_request_.is_set()) return;
  stop_requester_ = peer.identity.uid;
  stop_request_msg_ = envelope.msg_id();
  const auto grace = std::chrono::milliseconds(envelope.body_as_Cancel()->grace_ms());
  log::info("actor {}: stop requested by {}{}", identity_.display(), peer.identity.display(),
            grace.count() > 0 ? fmt::format(" (within {} ms)", grace.count()) : std::string());
  // Our own ladders must end a little before the requester escalates.
  if (grace.count() > 0)
    request_stop(Clock::now() + grace - std::min(grace / 8, std::chrono::milliseconds(100)));
  else
    request_stop();
}

void ActorCore::request_stop(std::optional<Clock::time_point> deadline) {
  if (deadline && (!stop_deadline_ || *deadline < *stop_deadline_)) stop_deadline_ = deadline;
  stop_request_.set();
}

task<void> ActorCore::acknowledge_stop(std::chrono::milliseconds bound) {
  if (stop_acknowledged_) co_return;
  stop_acknowledged_ = true;
  Peer* requester = stop_requester_.empty() ? nullptr : find_peer(stop_requester_);
  if (!requester) {
    if (!stop_requester_.empty())
      log::warn("actor {}: cannot confirm the stop: {} is gone", identity_.display(),
                stop_requester_);
    co_return;
  }
  send_stop_ack(*requester, stop_request_msg_);
  (void)co_await requester->socket->flush(bound);
}

void ActorCore::send_stop_ack(Peer& peer, std::uint64_t in_reply_to) {
  log::debug("actor {}: confirming the stop to {}", identity_.display(), peer.identity.display());
  send_cancel_ack(peer, in_reply_to, 0);
  stop_acks_sent_.push_back(peer.identity.uid);
}

task<void> ActorCore::await_stop_acks_delivered() {
  // zmq gives no delivery receipt, and a process that exits right after handing it a
  // message may take the message with it. A requester that got its answer hangs up:
  // that is the receipt (bounded, so a requester that stays connected costs kAckLinger).
  const auto deadline = Clock::now() + kAckLinger;
  asio::steady_timer pause(executor_);
  while (Clock::now() < deadline &&
         std::any_of(stop_acks_sent_.begin(), stop_acks_sent_.end(),
                     [this](const std::string& uid) { return find_peer(uid) != nullptr; })) {
    pause.expires_after(std::chrono::milliseconds(2));
    co_await pause.async_wait(asio::use_awaitable);
  }
  stop_acks_sent_.clear();
}

task<void> ActorCore::cancel_serving_calls(std::chrono::milliseconds bound) {
  if (serving_count_ == 0) co_return;
  Event drained(executor_);
  Subscription armed = subscribe_slot(serving_drained_, &drained);
  for (auto& [uid, peer] : peers_)
    for (auto& [id, serving] : peer->serving) serving.cancel();
  (void)co_await move_on_after(bound, drained.wait());
}

}  // namespace tether::detail
