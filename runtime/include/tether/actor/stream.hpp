#pragma once
// Stream: the bidirectional message stream of a context (see context.hpp), with
// credit-based flow control.
//
// - Each side's receiver grants the sender `window` items up front and more as it
//   consumes them; a sender without credit waits in send(). A slow consumer therefore
//   slows the producer, memory stays bounded by the window, and nothing is dropped.
// - Items arrive in order (each carries a sequence number that is checked).
// - close() ends our direction (the peer's receive() then returns nothing after the
//   items already sent); the peer may keep sending until it closes too.
// - Cancel and heartbeats travel as control messages: they never wait behind items.
// - If the context ends (the remote function returned or failed, the peer was lost, or
//   the context was cancelled), waiting send()/receive() calls throw the context's error.
// Lifetime: owned by its context; valid until the context is finished.
// Cancellation: cancelling a task waiting in send()/receive() throws at that co_await
// and loses nothing: an item not yet sent was not sent; a received item stays queued.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "tether/actor/payload_check.hpp"
#include "tether/base/task.hpp"

namespace tether {

namespace detail {
struct StreamState;
}

struct StreamOptions {
  /// Items this side will buffer: the credit it grants the sender. 1..1'000'000.
  std::uint32_t window = 256;
};

class Stream {
 public:
  explicit Stream(std::shared_ptr<detail::StreamState> state) : state_(std::move(state)) {}

  /// Sends one object-API item (e.g. ItemT), waiting for credit if needed.
  template <class Object>
  task<void> send(const Object& item) {
    PackedPayload packed = pack_payload(item);  // named: see Portal::call_raw
    co_await send_packed(std::move(packed));
  }
  /// Receives the next item as an object-API value; empty once the peer closed its side.
  /// Throws PayloadTypeMismatch if the peer sent another type.
  template <class Object>
  task<std::optional<Object>> receive() {
    auto packed = co_await receive_packed();
    if (!packed) co_return std::nullopt;
    co_return unpack_checked<Object>(packed->type_name, packed->bytes, "a stream item", peer());
  }

  /// Raw bytes, for untyped streams.
  task<void> send_raw(std::span<const std::uint8_t> bytes);
  task<std::optional<std::vector<std::uint8_t>>> receive_raw();

  task<void> send_packed(PackedPayload item);
  /// The next item, 8-byte aligned, or empty once the peer closed its side.
  task<std::optional<PackedPayload>> receive_packed();

  /// Ends our direction. Idempotent.
  void close();
  /// Items sent / received so far.
  std::uint64_t sent() const noexcept;
  std::uint64_t received() const noexcept;
  /// Items arrived and not yet received: never more than the window we granted.
  std::size_t buffered() const noexcept;
  /// Items we may send now without waiting (the peer's unused credit).
  std::uint64_t credit() const noexcept;

 private:
  ActorIdentity peer() const;
  std::shared_ptr<detail::StreamState> state_;
};

}  // namespace tether
