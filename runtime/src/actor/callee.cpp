// The callee's side of the call dialog: Start -> StartAck -> Return | Error | CancelAck.
#include <algorithm>

#include <fmt/core.h>
#include <boost/asio/steady_timer.hpp>

#include "actor_core.hpp"
#include "context_state.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

void ActorCore::send_error(Peer& peer, std::uint64_t call_id, std::uint64_t in_reply_to,
                           const std::exception_ptr& error, std::string_view function) {
  send(peer, {.in_reply_to = in_reply_to, .call_id = call_id},
       [&](flatbuffers::FlatBufferBuilder& b) {
         return encode_error(b, error, identity_, function, call_id, peer.identity);
       });
}

std::optional<ActorCore::Refusal> ActorCore::check_start(const Peer& peer,
                                                          const wire::Envelope& env,
                                                          const std::string& function,
                                                          const Functions::Entry* entry) const {
  const auto* start = env.body_as_Start();
  const std::uint64_t call_id = env.call_id();
  if (call_id == 0 || peer.serving.count(call_id))
    return Refusal{wire::ErrorKind::Malformed, "tether::ProtocolError",
                   fmt::format("call id {} is zero or already in use", call_id)};
  if (!entry)
    return Refusal{wire::ErrorKind::UnknownFunction, "tether::UnknownFunction",
                   fmt::format("actor {} exposes no function '{}' (exposed: {})",
                               identity_.display(), function, joined(functions_.names()))};
  const auto* args = start->args();
  const std::string type = args && args->type_name() ? args->type_name()->str() : "";
  if (type != entry->argument_type)
    return Refusal{wire::ErrorKind::PayloadTypeMismatch, "tether::PayloadTypeMismatch",
                   fmt::format("function '{}' takes {}, but was called with {}", function,
                               entry->argument_type.empty() ? "raw bytes" : entry->argument_type,
                               type.empty() ? "raw bytes" : type)};
  std::span<const std::uint8_t> bytes;
  if (args && args->data()) bytes = {args->data()->data(), args->data()->size()};
  if (entry->verify && (!wire::is_wire_aligned(bytes.data()) || !entry->verify(bytes)))
    return Refusal{wire::ErrorKind::Malformed, "tether::MalformedPayload",
                   fmt::format("the argument of '{}' failed {} verification", function, type)};
  const bool wants_context = start->kind() == wire::CallKind::Context;
  const bool is_context = static_cast<bool>(entry->invoke_context);
  if (wants_context != is_context)
    return Refusal{
        wire::ErrorKind::Malformed, "tether::WrongCallKind",
        is_context
            ? fmt::format("'{}' is a context function: use open_context", function)
            : fmt::format("'{}' is a plain function: use call, not open_context", function)};
  return std::nullopt;
}

void ActorCore::on_start(Peer& peer, transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  const auto* start = env.body_as_Start();
  const std::uint64_t call_id = env.call_id();
  const std::string function = start->function() ? start->function()->str() : "";
  if (auto early = std::find(peer.cancelled_unstarted.begin(), peer.cancelled_unstarted.end(),
                             call_id);
      early != peer.cancelled_unstarted.end()) {
    peer.cancelled_unstarted.erase(early);  // its caller gave up already: do not start it
    return send_cancel_ack(peer, env.msg_id(), call_id);
  }
  const Functions::Entry* entry = functions_.find(function);
  if (auto refusal = check_start(peer, env, function, entry)) {
    RemoteError::Details d{.kind = refusal->kind,
                           .type_name = std::move(refusal->type_name),
                           .message = std::move(refusal->message),
                           .origin = identity_,
                           .relay_path = {identity_},
                           .trace = {}};
    return send_error(peer, call_id, env.msg_id(), make_remote_error(std::move(d)), function);
  }
  send(peer, {.in_reply_to = env.msg_id(), .call_id = call_id},
       [](flatbuffers::FlatBufferBuilder& b) { return wire::CreateStartAck(b); });
  std::shared_ptr<ContextState> context;
  if (entry->invoke_context) {
    // Made now, not in the task: the caller's first Credit is right behind its Start.
    context = std::make_shared<ContextState>(*this, peer.identity.uid, peer.identity, call_id,
                                             function, entry->stream.window);
    context->stream->grant_window();
  }
  peer.serving[call_id] = {.task = {}, .context = context, .function = function};
  ++serving_count_;
  last_started_call_ = function;
  const std::string uid = peer.identity.uid;
  TaskHandle task =
      service().start_cancellable(serve_call(uid, call_id, entry, std::move(message), context));
  if (Peer* p = find_peer(uid))  // the call may have finished already
    if (auto it = p->serving.find(call_id); it != p->serving.end())
      it->second.task = std::move(task);
}

std::optional<boost::asio::steady_timer> ActorCore::enforce_deadline(
    std::chrono::system_clock::time_point deadline, const std::string& peer_uid,
    std::uint64_t call_id) {
  std::optional<boost::asio::steady_timer> timer;
  timer.emplace(executor_, Clock::now() + (deadline - std::chrono::system_clock::now()));
  timer->async_wait([this, peer_uid, call_id](boost::system::error_code ec) {
    if (ec) return;
    Peer* p = find_peer(peer_uid);
    if (!p) return;
    auto it = p->serving.find(call_id);
    if (it == p->serving.end()) return;
    it->second.deadline_expired = true;
    it->second.cancel();
  });
  return timer;
}

task<void> ActorCore::serve_call(std::string peer_uid, std::uint64_t call_id,
                                 const Functions::Entry* entry, transport::InboundMessage message,
                                 std::shared_ptr<ContextState> context) {
  const wire::Envelope& env = message.envelope();
  const auto* start = env.body_as_Start();
  const std::string function = start->function()->str();
  std::span<const std::uint8_t> bytes;
  if (start->args() && start->args()->data())
    bytes = {start->args()->data()->data(), start->args()->data()->size()};
  std::optional<std::chrono::system_clock::time_point> deadline;
  if (env.deadline_unix_ms() != 0)
    deadline =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(env.deadline_unix_ms()));
  ActorIdentity caller =
      find_peer(peer_uid) ? find_peer(peer_uid)->identity : ActorIdentity{peer_uid, "", 0};
  Call call(owner_, caller, call_id, function, deadline);
  // The caller's deadline, enforced here too: the caller may be unable to cancel.
  std::optional<boost::asio::steady_timer> deadline_timer;
  if (deadline) deadline_timer = enforce_deadline(*deadline, peer_uid, call_id);

  std::exception_ptr error;
  std::optional<PackedPayload> result;
  try {
    if (context) {
      Context served(call, context);
      result.emplace(co_await entry->invoke_context(served, bytes));
      if (!context->started_sent) co_await served.started();  // the dialog needs one
    } else {
      result.emplace(co_await entry->invoke(call, bytes));
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (context) {
    (void)context->stream->flush();  // items the function sent go before its outcome
    context->stream->end(error);
  }
  if (deadline_timer) deadline_timer->cancel();
  if (--serving_count_ == 0 && serving_drained_) serving_drained_->set();
  Peer* peer = find_peer(peer_uid);
  if (!peer) co_return;  // the caller is gone; nobody to answer
  const ServingCall state = peer->serving[call_id];
  peer->serving.erase(call_id);
  answer_call(*peer, state, env, error, result);
}

void ActorCore::answer_call(Peer& peer, const ServingCall& state, const wire::Envelope& start,
                            const std::exception_ptr& error,
                            const std::optional<PackedPayload>& result) {
  const std::uint64_t call_id = start.call_id();
  const std::string& function = state.function;
  if (!error) {
    send(peer, {.in_reply_to = start.msg_id(), .call_id = call_id},
         [&](flatbuffers::FlatBufferBuilder& b) {
           return wire::CreateReturn(b, encode_payload(b, *result));
         });
  } else if (!is_cancellation(error)) {
    log::debug("actor {}: '{}' (call {}) failed: {}", identity_.display(), function, call_id,
               error_text(error));
    send_error(peer, call_id, start.msg_id(), error, function);
  } else if (state.cancel_requested) {
    send_cancel_ack(peer, start.msg_id(), call_id);
  } else if (state.deadline_expired) {
    send_error(peer, call_id, start.msg_id(),
               std::make_exception_ptr(
                   Timeout(fmt::format("deadline expired while serving '{}'", function))),
               function);
  } else {
    // This actor is stopping: the caller must not wait for an answer that never comes.
    RemoteError::Details d{.kind = wire::ErrorKind::Cancelled,
                           .type_name = "tether::Cancelled",
                           .message = fmt::format("actor {} stopped while serving '{}'",
                                                  identity_.display(), function),
                           .origin = identity_,
                           .relay_path = {identity_},
                           .trace = {},
                           .exit = ActorExit{identity_, ExitReason::cancelled, {}, nullptr},
                           .members = {}};
    send_error(peer, call_id, start.msg_id(), make_remote_error(std::move(d)), function);
  }
}

void ActorCore::on_cancel(Peer& peer, const wire::Envelope& envelope) {
  auto it = peer.serving.find(envelope.call_id());
  log::debug("actor {}: Cancel from {} for call {} ({})", identity_.display(),
             peer.identity.display(), envelope.call_id(),
             it == peer.serving.end() ? "not running: acknowledged" : "cancelling it");
  if (it == peer.serving.end()) {
    // Already answered (the answer is on its way) or not started yet: ack so no one
    // waits, and remember it in case its Start is still on the way.
    constexpr std::size_t kRemembered = 1024;
    if (peer.cancelled_unstarted.size() == kRemembered) peer.cancelled_unstarted.pop_front();
    peer.cancelled_unstarted.push_back(envelope.call_id());
    return send_cancel_ack(peer, envelope.msg_id(), envelope.call_id());
  }
  it->second.cancel_requested = true;
  it->second.cancel();
}

}  // namespace tether::detail
