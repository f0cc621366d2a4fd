// Peer loss and loop stalls. A dead peer is an error, never a hang; a busy peer is not
// a dead one: loss comes from the connection (see actor.hpp, "Liveness").
#include <fmt/core.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"
#include "context_state.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/process_table.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::string link_loss_reason(const ActorOptions& options) {
  return fmt::format(
      "its connection closed: the process exited, or was frozen or unreachable for {} ms",
      (options.heartbeat_interval * options.heartbeat_liveness).count());
}

}  // namespace

task<void> ActorCore::watch_loop() {
  const auto limit = options_.loop_stall_warning;
  if (limit.count() <= 0) co_return;
  const auto tick = std::max(milliseconds(10), limit / 5);
  asio::steady_timer timer(executor_);
  for (;;) {
    const auto due = Clock::now() + tick;
    timer.expires_at(due);
    co_await timer.async_wait(asio::use_awaitable);
    const auto late = std::chrono::duration_cast<milliseconds>(Clock::now() - due);
    if (late < limit) continue;
    std::string serving;
    for (const auto& [uid, peer] : peers_)
      for (const auto& [id, call] : peer->serving)
        serving += fmt::format("{}'{}' (call {} from {})", serving.empty() ? "" : ", ",
                               call.function, id, peer->identity.display());
    // A call that hogged the loop has usually returned by now: name the last one started.
    if (serving.empty() && !last_started_call_.empty())
      serving = fmt::format("'{}' (the last call it started)", last_started_call_);
    log::warn(
        "actor {}: its loop was blocked for {} ms{}{}; run CPU-bound work with tether::offload",
        identity_.display(), late.count(), serving.empty() ? "" : " by ", serving);
  }
}

void ActorCore::on_route_gone(std::string_view routing_id) {
  Peer* peer = find_peer(routing_id);
  // A peer we connected to ourselves is judged by that connection.
  if (!peer || peer->socket != inbox_.get()) return;
  on_link_closed(peer->identity.uid);
}

void ActorCore::on_connection_closed(const transport::Socket* dealer) {
  auto owner = dealer_owner_.find(dealer);
  if (owner == dealer_owner_.end()) return;
  const std::string uid = owner->second;  // a copy: losing the peer erases that entry
  on_link_closed(uid);
}

void ActorCore::on_link_closed(const std::string& uid) {
  const auto child = child_nurseries_.find(uid);
  if (child == child_nurseries_.end() || !service_) return lose_peer(uid, link_loss_reason(options_));
  // Our own child: a process that died closes its sockets a moment before its exit
  // shows, and its exit status is the better report. Its supervisor reports that (and
  // loses the peer) if it died; if it did not, it is frozen or wedged.
  const pid_t pid = child->second->pid_of(uid);
  service_->start_soon([](ActorCore& core, std::string uid, pid_t pid) -> task<void> {
    asio::steady_timer pause(core.executor(), kExitShowsWithin);
    co_await pause.async_wait(asio::use_awaitable);
    if (!core.find_peer(uid)) co_return;
    core.lose_peer(uid, process_stopped(pid)
                            ? fmt::format("its process (pid {}) is stopped (SIGSTOP or a "
                                          "debugger) and stopped answering heartbeats",
                                          pid)
                            : link_loss_reason(core.options()));
  }(*this, uid, pid));
}

void ActorCore::lose_peer(const std::string& uid_ref, const std::string& why_ref,
                          std::optional<ActorExit> exit) {
  // Copies: callers may pass strings that losing the peer destroys.
  const std::string uid = uid_ref;
  const std::string why = why_ref;
  auto it = peers_.find(uid);
  if (it == peers_.end()) return;
  std::unique_ptr<Peer> peer = std::move(it->second);
  peers_.erase(it);
  log::debug("actor {}: peer {} lost ({})", identity_.display(), peer->identity.display(), why);
  if (!peer->pending.empty() || !peer->serving.empty())
    log::warn("actor {}: peer {} lost ({}): failing {} pending calls, cancelling {} it made",
              identity_.display(), peer->identity.display(), why, peer->pending.size(),
              peer->serving.size());
  for (auto& [id, pending] : peer->pending)
    if (!pending->done())  // the error is made only for a call still waiting
      pending->set_error(std::make_exception_ptr(PeerLost(peer->identity, why, exit)));
  for (auto& [id, context] : peer->contexts) context->on_outcome();
  for (auto& [id, serving] : peer->serving) {
    if (serving.context)
      serving.context->stream->end(std::make_exception_ptr(PeerLost(peer->identity, why, exit)));
    serving.cancel();
  }
  if (peer->dealer) {
    dealer_owner_.erase(peer->dealer.get());
    peer->dealer->close();
  }
  // Listeners last: they may start teardown that looks the peer up (it is gone now).
  auto [first, last] = loss_listeners_.equal_range(uid);
  std::vector<std::function<void(const std::string&)>> listeners;
  for (auto it = first; it != last; ++it) listeners.push_back(std::move(it->second.second));
  loss_listeners_.erase(first, last);
  for (auto& listener : listeners) listener(why);
}

Subscription ActorCore::listen_for_loss(const std::string& uid,
                                        std::function<void(const std::string&)> listener) {
  const auto key = ++next_listener_;
  loss_listeners_.emplace(uid, std::make_pair(key, std::move(listener)));
  return Subscription([this, key] {
    // A listener that ran was removed by lose_peer already: then this finds nothing.
    for (auto it = loss_listeners_.begin(); it != loss_listeners_.end(); ++it)
      if (it->second.first == key) {
        loss_listeners_.erase(it);
        return;
      }
  });
}

}  // namespace tether::detail
