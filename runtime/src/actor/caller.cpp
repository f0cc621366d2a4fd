// The caller's side of the call dialog.
#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"
#include "context_state.hpp"

namespace tether::detail {

namespace asio = boost::asio;

namespace {

std::uint64_t unix_ms_after(std::chrono::milliseconds timeout) {
  const auto at = std::chrono::system_clock::now() + timeout;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

}  // namespace

task<transport::InboundMessage> ActorCore::call(const std::string& peer_uid,
                                                std::string_view function,
                                                const PackedPayload& args,
                                                const CallOptions& options) {
  Peer* peer = find_peer(peer_uid);
  if (!peer) throw PeerLost({peer_uid, "", 0}, "not connected (lost earlier, or never connected)");
  const ActorIdentity callee = peer->identity;
  const auto call_id = ++next_call_id_;
  CallReply pending(executor_);
  Subscription filed = await_reply(peer_uid, call_id, pending);

  const bool sent =
      send(*peer,
           {.to = callee.ref(),
            .call_id = call_id,
            .deadline_unix_ms = options.timeout ? unix_ms_after(*options.timeout) : 0},
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto name = b.CreateString(function.data(), function.size());
             auto payload = encode_payload(b, args);
             return wire::CreateStart(b, name, wire::CallKind::Call, payload);
           });
  if (!sent) throw PeerLost(callee, "its connection refused the message (closed or outbox full)");

  std::exception_ptr cancelled;
  bool timed_out = false;
  try {
    if (options.timeout)
      timed_out = !co_await move_on_after(*options.timeout, pending.wait());
    else
      co_await pending.wait();
  } catch (...) {
    cancelled = std::current_exception();
  }
  if (cancelled || timed_out) {
    // Tell the callee, and give it a bounded time to stop and say so.
    if (cancelled) co_await allow_cleanup();
    co_await shielded(cancel_remote(peer_uid, call_id, pending, "cancelled by the caller"));
    // The callee's own error, if it arrived meanwhile, says more than our cancellation.
    if (pending.has_value() && pending.value().envelope().body_type() == wire::Body::Error)
      std::rethrow_exception(reply_error(pending.value(), callee, identity_, function));
    if (cancelled) std::rethrow_exception(cancelled);
    throw Timeout(fmt::format("call '{}' to {} timed out after {} ms", function, callee.display(),
                              options.timeout->count()));
  }
  if (pending.error()) std::rethrow_exception(pending.error());
  if (auto error = reply_error(pending.value(), callee, identity_, function))
    std::rethrow_exception(error);
  co_return std::move(pending.value());
}

Subscription ActorCore::await_reply(const std::string& peer_uid, std::uint64_t call_id,
                                    CallReply& reply) {
  if (Peer* peer = find_peer(peer_uid)) peer->pending[call_id] = &reply;
  // The Peer goes when it is lost (its replies failed first): look it up again.
  return Subscription([this, &peer_uid, call_id] {
    if (Peer* peer = find_peer(peer_uid)) peer->pending.erase(call_id);
  });
}

void ActorCore::on_call_reply(Peer& peer, transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  auto it = peer.pending.find(env.call_id());
  if (it == peer.pending.end()) return;                 // late: the caller gave up already
  if (env.body_type() == wire::Body::StartAck) return;  // nothing waits on it for plain calls
  if (!it->second->set_value(std::move(message))) return;
  if (auto context = peer.contexts.find(env.call_id()); context != peer.contexts.end())
    context->second->on_outcome();  // its stream ends with it
}

}  // namespace tether::detail
