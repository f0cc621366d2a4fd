// The caller's side of the call dialog.
#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"

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
  PendingCall pending(executor_);
  peer->pending[call_id] = &pending;
  auto forget = [&] {
    if (Peer* p = find_peer(peer_uid)) p->pending.erase(call_id);
  };

  const bool sent =
      send(*peer,
           {.msg_id = ++next_msg_id_,
            .to = callee.ref(),
            .call_id = call_id,
            .deadline_unix_ms = options.timeout ? unix_ms_after(*options.timeout) : 0},
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto name = b.CreateString(function.data(), function.size());
             auto payload = encode_payload(b, args);
             return wire::CreateStart(b, name, wire::CallKind::Call, payload);
           });
  if (!sent) {
    forget();
    throw PeerLost(callee, "its connection refused the message (closed or outbox full)");
  }

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
    co_await shielded([](ActorCore& self, const std::string& uid, std::uint64_t id,
                         PendingCall& p) -> task<void> {
      Peer* target = self.find_peer(uid);
      if (!target || p.done()) co_return;
      self.send(
          *target, {.msg_id = ++self.next_msg_id_, .call_id = id},
          [](flatbuffers::FlatBufferBuilder& b) {
            return wire::CreateCancel(b, b.CreateString("cancelled by the caller"));
          },
          transport::Priority::control);
      co_await move_on_after(self.options_.cancel_ack_timeout, p.wait());
    }(*this, peer_uid, call_id, pending));
    forget();
    // The callee's own error, if it arrived meanwhile, says more than our cancellation.
    if (pending.reply && pending.reply->envelope().body_type() == wire::Body::Error) {
      auto details = decode_error(*pending.reply->envelope().body_as_Error());
      details.relay_path.push_back(identity_);
      std::rethrow_exception(make_remote_error(std::move(details)));
    }
    if (cancelled) std::rethrow_exception(cancelled);
    throw Timeout(fmt::format("call '{}' to {} timed out after {} ms", function, callee.display(),
                              options.timeout->count()));
  }
  forget();
  if (pending.failure) std::rethrow_exception(pending.failure);

  const wire::Envelope& reply = pending.reply->envelope();
  switch (reply.body_type()) {
    case wire::Body::Return:
      co_return std::move(*pending.reply);
    case wire::Body::Error: {
      auto details = decode_error(*reply.body_as_Error());
      details.relay_path.push_back(identity_);  // the path ends where the error is raised
      std::rethrow_exception(make_remote_error(std::move(details)));
    }
    default:
      throw RemoteError(
          {.kind = wire::ErrorKind::Cancelled,
           .type_name = "tether::Cancelled",
           .message = fmt::format("call '{}' was cancelled by {}", function, callee.display()),
           .origin = callee,
           .relay_path = {callee, identity_},
           .trace = {}});
  }
}

void ActorCore::on_call_reply(Peer& peer, transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  auto it = peer.pending.find(env.call_id());
  if (it == peer.pending.end()) return;                 // late: the caller gave up already
  if (env.body_type() == wire::Body::StartAck) return;  // nothing waits on it for plain calls
  PendingCall& pending = *it->second;
  if (pending.done()) return;
  pending.reply.emplace(std::move(message));
  pending.complete();
}

}  // namespace tether::detail
