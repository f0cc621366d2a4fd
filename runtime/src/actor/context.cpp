// Contexts on both sides: the caller's open_context / RemoteContext, the callee's
// Context, and routing Started / Yield / Credit / Stop to them.
#include "tether/actor/context.hpp"

#include <fmt/core.h>

#include "context_state.hpp"
#include "tether/actor/portal.hpp"
#include "tether/base/log.hpp"

namespace tether {

namespace detail {

void ContextState::on_started(const wire::Envelope& envelope) {
  if (first) return;
  first = unpack_payload(envelope.body_as_Started()->value());
  changed.set();
}

void ContextState::on_outcome() {
  std::exception_ptr error = outcome.error();
  if (!error && outcome.has_value())
    error = reply_error(outcome.value(), peer, stream->core.identity(), function);
  stream->end(error);
  changed.set();
}

void ActorCore::on_stream_message(Peer& peer, transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  std::shared_ptr<ContextState> context;
  if (auto it = peer.contexts.find(env.call_id()); it != peer.contexts.end())
    context = it->second;  // we opened it
  else if (auto s = peer.serving.find(env.call_id()); s != peer.serving.end())
    context = s->second.context;  // we serve it
  if (!context) return;  // finished already: late stream traffic is moot
  switch (env.body_type()) {
    case wire::Body::Started:
      return context->on_started(env);
    case wire::Body::Yield:
      return context->stream->on_yield(std::move(message));
    case wire::Body::Credit:
      return context->stream->on_credit(env.body_as_Credit()->items());
    case wire::Body::Stop:
      return context->stream->on_stop();
    default:
      return;
  }
}

task<void> ActorCore::cancel_remote(const std::string& peer_uid, std::uint64_t call_id,
                                    CallReply& pending, std::string_view reason) {
  if (pending.done()) co_return;  // answered: nothing to cancel (the common case)
  Peer* target = find_peer(peer_uid);
  if (!target) co_return;
  send_cancel(*target, {.call_id = call_id}, reason);
  (void)co_await move_on_after(options_.cancel_ack_timeout, pending.wait());
}

task<std::shared_ptr<ContextState>> ActorCore::open_context(const std::string& peer_uid,
                                                            std::string_view function,
                                                            const PackedPayload& args,
                                                            StreamOptions stream) {
  Peer* peer = find_peer(peer_uid);
  if (!peer) throw PeerLost({peer_uid, "", 0}, "not connected (lost earlier, or never connected)");
  if (stream.window == 0 || stream.window > 1'000'000)
    throw std::invalid_argument("StreamOptions::window must be 1..1000000");
  const auto call_id = ++next_call_id_;
  auto state = std::make_shared<ContextState>(*this, peer_uid, peer->identity, call_id,
                                              std::string(function), stream.window);
  peer->pending[call_id] = &state->outcome;
  peer->contexts[call_id] = state;
  const bool sent = send(*peer, {.to = peer->identity.ref(), .call_id = call_id},
                         [&](flatbuffers::FlatBufferBuilder& b) {
                           auto name = b.CreateString(function.data(), function.size());
                           auto payload = encode_payload(b, args);
                           return wire::CreateStart(b, name, wire::CallKind::Context, payload);
                         });
  if (sent) state->stream->grant_window();

  std::exception_ptr interrupted;
  try {
    if (!sent) throw PeerLost(peer->identity, "its connection refused the message");
    while (!state->first && !state->outcome.done()) {
      state->changed.reset();
      co_await state->changed.wait();
    }
  } catch (...) {
    interrupted = std::current_exception();
  }
  if (interrupted && is_cancellation(interrupted)) {
    co_await allow_cleanup();
    co_await shielded(cancel_remote(peer_uid, call_id, state->outcome, "cancelled by the caller"));
  }
  if (interrupted || !state->first) {
    forget_context(peer_uid, call_id);
    if (interrupted) std::rethrow_exception(interrupted);
    if (state->outcome.error()) std::rethrow_exception(state->outcome.error());
    if (auto error = reply_error(state->outcome.value(), state->peer, identity_, function))
      std::rethrow_exception(error);
    throw RemoteError({.kind = wire::ErrorKind::Malformed,
                       .type_name = "tether::ProtocolError",
                       .message = fmt::format("context '{}' returned without started()", function),
                       .origin = state->peer,
                       .relay_path = {state->peer, identity_},
                       .trace = {}});
  }
  co_return state;
}

void ActorCore::forget_context(const std::string& peer_uid, std::uint64_t call_id) {
  if (Peer* p = find_peer(peer_uid)) {
    p->pending.erase(call_id);
    p->contexts.erase(call_id);
  }
}

}  // namespace detail

// -- the caller's side ---------------------------------------------------------------

task<RemoteContext> Portal::open_context_packed(std::string_view function, PackedPayload args,
                                                StreamOptions stream) {
  auto state = co_await actor_->open_context(peer_.uid, function, args, stream);
  co_return RemoteContext(*actor_, std::move(state));
}

RemoteContext::RemoteContext(detail::ActorCore& core, std::shared_ptr<detail::ContextState> state)
    : core_(&core), state_(state), stream_(state->stream) {}

RemoteContext::RemoteContext(RemoteContext&& other) noexcept
    : core_(other.core_), state_(std::move(other.state_)), stream_(other.stream_) {}

RemoteContext::~RemoteContext() {
  if (!state_) return;  // moved from
  const auto& s = state_->stream;
  if (!state_->outcome.done()) {
    // Nobody will await the outcome: cancel the remote task rather than leak it.
    if (detail::Peer* peer = core_->find_peer(s->peer_uid))
      core_->send_cancel(*peer, {.call_id = s->call_id}, "its caller's context was destroyed");
    s->end(std::make_exception_ptr(std::logic_error("the context was destroyed")));
  }
  core_->forget_context(s->peer_uid, s->call_id);
}

const PackedPayload& RemoteContext::first_packed() const {
  return *state_->first;
}

task<PackedPayload> RemoteContext::result_packed() {
  detail::ContextState& s = *state_;
  // A cancelled wait tells the callee, and gives it a bounded time to stop and say so
  // (a no-op once the outcome is in).
  co_await with_cleanup(s.outcome.wait(), [&] {
    return core_->cancel_remote(s.stream->peer_uid, s.stream->call_id, s.outcome,
                                "cancelled by the caller");
  });
  if (s.outcome.error()) std::rethrow_exception(s.outcome.error());
  if (auto error = detail::reply_error(s.outcome.value(), s.peer, core_->identity(), s.function))
    std::rethrow_exception(error);
  co_return detail::unpack_payload(s.outcome.value().envelope().body_as_Return()->value());
}

task<void> RemoteContext::result_void() {
  (void)co_await result_packed();
}

task<void> RemoteContext::cancel() {
  detail::ContextState& s = *state_;
  co_await core_->cancel_remote(s.stream->peer_uid, s.stream->call_id, s.outcome,
                                "cancelled by the caller");
}

bool RemoteContext::finished() const noexcept {
  return state_->outcome.done();
}

const ActorIdentity& RemoteContext::peer() const {
  return state_->peer;
}

// -- the callee's side ---------------------------------------------------------------

Context::Context(Call call, std::shared_ptr<detail::ContextState> state)
    : Call(std::move(call)), state_(state), stream_(state->stream) {}
Context::~Context() = default;

task<void> Context::started_packed(PackedPayload value) {
  detail::ContextState& s = *state_;
  if (s.started_sent) throw std::logic_error("started() may be called once per context");
  s.started_sent = true;
  detail::StreamState& stream = *s.stream;
  detail::Peer* peer = stream.core.find_peer(stream.peer_uid);
  if (!peer) throw PeerLost(caller(), "lost before started()");
  stream.core.send(*peer, {.call_id = stream.call_id},
                   [&](flatbuffers::FlatBufferBuilder& b) {
                     return wire::CreateStarted(b, detail::encode_payload(b, value));
                   });
  co_return;
}

task<void> Context::started() {
  PackedPayload none;
  co_await started_packed(std::move(none));
}

}  // namespace tether
