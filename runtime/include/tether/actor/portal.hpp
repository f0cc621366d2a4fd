#pragma once
// Portal: a handle for calling one remote actor.
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   AddArgsT args;
//   args.a = 1;
//   args.b = 2;
//   SumT sum = co_await portal.call<SumT>("add", args);
//
// Errors: the callee's exception arrives as RemoteError (UnknownFunction and
// PayloadTypeMismatch are subclasses); a lost peer raises PeerLost; never a hang.
// Cancellation: cancelling the awaiting task (or CallOptions::timeout expiring) sends
// Cancel to the callee, waits up to cancel_ack_timeout for its CancelAck, then throws
// operation_aborted (Timeout for an expired timeout).
// Lifetime: must not outlive the Actor that made it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/actor/context.hpp"
#include "tether/actor/errors.hpp"
#include "tether/actor/payload.hpp"
#include "tether/actor/payload_check.hpp"
#include "tether/base/task.hpp"

namespace tether {

namespace detail {
class ActorCore;
}

/// Keep this trivially destructible: it is a defaulted coroutine argument, and g++ 12
/// destroys those twice.
struct CallOptions {
  /// Bound on the whole call; the callee also sees it as Call::deadline().
  std::optional<std::chrono::milliseconds> timeout;
};

/// A Return's payload as received: bytes (8-byte aligned, valid while it lives) and type.
class ReturnValue {
 public:
  virtual ~ReturnValue() = default;
  virtual std::string_view type_name() const = 0;
  virtual std::span<const std::uint8_t> bytes() const = 0;
};

class Portal {
 public:
  Portal(detail::ActorCore& actor, ActorIdentity peer) : actor_(&actor), peer_(std::move(peer)) {}

  const ActorIdentity& peer() const noexcept { return peer_; }

  /// Calls `function` with an object-API argument; returns the object-API result.
  template <class Result, class Args>
  task<Result> call(std::string_view function, const Args& args, CallOptions options = {}) {
    PackedPayload packed = pack_payload(args);  // named: see Portal::call_raw
    auto reply = co_await call_packed(function, std::move(packed), options);
    co_return unpack_checked<Result>(reply->type_name(), reply->bytes(), "the call's result",
                                     peer_, result_path());
  }

  /// Calls a raw function: bytes in, bytes out.
  task<std::vector<std::uint8_t>> call_raw(std::string_view function,
                                           std::span<const std::uint8_t> args,
                                           CallOptions options = {});

  /// Starts the context function `function(args)` and returns once it called
  /// started(); see context.hpp. Throws its error if it fails before that.
  template <class Args>
  task<RemoteContext> open_context(std::string_view function, const Args& args,
                                   StreamOptions stream = {}) {
    PackedPayload packed = pack_payload(args);
    co_return co_await open_context_packed(function, std::move(packed), stream);
  }
  task<RemoteContext> open_context_packed(std::string_view function, PackedPayload args,
                                          StreamOptions stream);

  /// Asks this actor to stop `child_uid`, one of the children it started, through its
  /// teardown ladder (Cancel, then SIGTERM, then SIGKILL) — or, with an empty uid, to stop
  /// itself as its parent would. Returns once it confirms (CancelAck); throws
  /// ActorNotFound if it has no such child, PeerLost or Timeout if it does not answer.
  task<void> request_stop(std::string child_uid, std::chrono::milliseconds timeout);

  /// The untyped call underneath: the callee's Return, unchecked. `args` must live
  /// until the call returns (it is encoded when the call is sent, never copied).
  task<std::unique_ptr<ReturnValue>> call_packed(std::string_view function,
                                                 const PackedPayload& args, CallOptions options);

 private:
  /// The relay path of errors raised here: the callee, then us.
  std::vector<ActorIdentity> result_path() const;

  detail::ActorCore* actor_;
  ActorIdentity peer_;
};

}  // namespace tether
