#pragma once
// Contexts: a long-lived dialog with a remote task (tractor's `open_context`).
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   // callee
//   functions.expose_context<JobArgs>("produce", [](Context& ctx, const JobArgs& job)
//       -> task<SummaryT> {
//     co_await ctx.started(ReadyT{});  // exactly once, before streaming
//     ItemT item;
//     for (std::uint64_t i = 0; i < job.count(); ++i) {
//       item.seq = i;
//       co_await ctx.stream().send(item);
//     }
//     ctx.stream().close();
//     SummaryT summary;
//     summary.items = job.count();
//     co_return summary;
//   });
//
//   // caller
//   RemoteContext ctx = co_await portal.open_context("produce", job);
//   ReadyT ready = ctx.first<ReadyT>();
//   while (auto item = co_await ctx.stream().receive<ItemT>()) total += item->seq;
//   SummaryT summary = co_await ctx.result<SummaryT>();
//
// Wire: Start{kind: Context} -> StartAck -> Started -> (Yield | Credit | Stop)* both ways
// -> exactly one of Return | Error | CancelAck.
// Endings:
// - The callee's function returns: the caller's result() gets the value; an exception
//   there reaches the caller as a typed RemoteError from result(), and from a stream
//   operation waiting at that moment (a receive() after the callee closed its side
//   just sees the end; result() still has the error).
// - The caller cancels (cancel(), a cancelled task awaiting result(), or destroying an
//   unfinished RemoteContext): Cancel goes out, the callee's function is cancelled, and
//   the caller waits (bounded by cancel_ack_timeout) for its CancelAck.
// - The callee's function cancels itself (or its actor stops): the caller gets a
//   RemoteError of kind Cancelled.
// - The peer is lost: PeerLost, never a hang.
// Lifetime: a RemoteContext must not outlive the Actor whose Portal opened it; moving
// it keeps the dialog, destroying it unfinished cancels the remote task (above). A
// callee's Context, and its stream, are valid while its function's task runs.
// Cancellation: cancelling a task awaiting result() or a stream operation cancels the
// remote task (Cancel, then a bounded wait for its CancelAck) and rethrows the
// cancellation; cancel() does the same without a cancelled task. A callee's function
// is cancelled at its next co_await when its caller cancels or is lost.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "tether/actor/call.hpp"
#include "tether/actor/stream.hpp"

namespace tether {

namespace detail {
class ActorCore;
struct ContextState;
}  // namespace detail

/// The callee's side: what an exposed context function receives.
class Context : public Call {
 public:
  Context(Call call, std::shared_ptr<detail::ContextState> state);
  ~Context();

  /// Sends the value the caller's open_context() returns with. Exactly once, first.
  template <class Object>
  task<void> started(const Object& value) {
    PackedPayload packed = pack_payload(value);
    co_await started_packed(std::move(packed));
  }
  task<void> started();  // no value
  task<void> started_packed(PackedPayload value);

  Stream& stream() noexcept { return stream_; }

 private:
  std::shared_ptr<detail::ContextState> state_;
  Stream stream_;
};

/// The caller's side, returned by Portal::open_context once the callee said started().
class RemoteContext {
 public:
  RemoteContext(detail::ActorCore& core, std::shared_ptr<detail::ContextState> state);
  RemoteContext(RemoteContext&&) noexcept;
  RemoteContext& operator=(RemoteContext&&) = delete;
  /// An unfinished context is cancelled (Cancel sent, not awaited).
  ~RemoteContext();

  /// The callee's started() value.
  template <class Object>
  Object first() const {
    const auto& packed = first_packed();
    return unpack_checked<Object>(packed.type_name, packed.bytes, "the context's started value",
                                  peer());
  }
  const PackedPayload& first_packed() const;

  Stream& stream() noexcept { return stream_; }

  /// Waits for the callee's function to return and gives its value; throws its error.
  template <class Object>
  task<Object> result() {
    PackedPayload packed = co_await result_packed();
    co_return unpack_checked<Object>(packed.type_name, packed.bytes, "the context's result",
                                     peer());
  }
  task<void> result_void();
  task<PackedPayload> result_packed();

  /// Cancels the remote task and waits (bounded) for its acknowledgement.
  task<void> cancel();
  bool finished() const noexcept;

 private:
  const ActorIdentity& peer() const;
  detail::ActorCore* core_;
  std::shared_ptr<detail::ContextState> state_;
  Stream stream_;
};

}  // namespace tether
