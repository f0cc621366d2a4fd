// Streams: Yield / Credit / Stop on a context's call id, with credit flow control.
#include "tether/actor/stream.hpp"

#include <fmt/core.h>
#include <boost/asio/post.hpp>

#include "context_state.hpp"
#include "tether/base/log.hpp"

namespace tether {

namespace detail {

void StreamState::enqueue(PackedPayload item) {
  if (batch.empty()) batch_seq = next_send_seq;
  ++next_send_seq;
  batch_bytes += item.bytes.size();
  batch.push_back(std::move(item));
  if (batch.size() >= kMaxBatch || batch_bytes >= kMaxBatchBytes) {
    (void)flush();
    return;
  }
  if (flush_posted) return;
  flush_posted = true;
  boost::asio::post(core.executor(), [self = shared_from_this()] {
    self->flush_posted = false;
    (void)self->flush();
  });
}

bool StreamState::flush() {
  if (batch.empty() || ended) {
    batch.clear();
    return true;
  }
  Peer* peer = core.find_peer(peer_uid);
  if (!peer) return false;
  const bool sent =
      core.send(*peer, {.call_id = call_id},
                [&](flatbuffers::FlatBufferBuilder& b) {
                  auto first = encode_payload(b, batch.front());
                  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::Payload>>> more;
                  if (batch.size() > 1) {
                    std::vector<flatbuffers::Offset<wire::Payload>> rest;
                    rest.reserve(batch.size() - 1);
                    for (std::size_t i = 1; i < batch.size(); ++i)
                      rest.push_back(encode_payload(b, batch[i]));
                    more = b.CreateVector(rest);
                  }
                  return wire::CreateYield(b, batch_seq, first, more);
                });
  batch.clear();
  batch_bytes = 0;
  return sent;
}

void StreamState::on_yield(transport::InboundMessage message) {
  if (ended) return;
  const auto* more = message.envelope().body_as_Yield()->more();
  buffered_items += 1 + (more ? more->size() : 0);
  if (buffered_items > window && !overrun_logged) {
    overrun_logged = true;  // kept anyway: nothing is dropped, but the peer misbehaves
    log::warn("stream {} from {}: more items than the credit granted ({})", call_id, peer_uid,
              window);
  }
  inbox.push_back(std::move(message));
  readable.set();
}

void StreamState::on_credit(std::uint32_t items) {
  credits += items;
  writable.set();
}

void StreamState::on_stop() {
  peer_closed = true;
  readable.set();
}

void StreamState::end(std::exception_ptr error) {
  if (ended) return;
  ended = true;
  end_error = std::move(error);
  readable.set();
  writable.set();
}

void StreamState::grant_window() {
  // Data priority, unlike later grants: the caller's first Credit must not overtake
  // its Start, or the callee would not know the context yet and drop it.
  if (Peer* peer = core.find_peer(peer_uid))
    core.send(*peer, {.call_id = call_id},
              [&](flatbuffers::FlatBufferBuilder& b) { return wire::CreateCredit(b, window); });
}

}  // namespace detail

task<void> Stream::send_packed(PackedPayload item) {
  const auto keep = state_;  // a destroyed context wakes us: its state must outlive this
  detail::StreamState& s = *keep;
  if (s.closed) throw std::logic_error("send() on a stream this side already closed");
  while (s.credits == 0 && !s.ended) {
    s.writable.reset();
    co_await s.writable.wait();
  }
  if (s.ended) {
    if (s.end_error) std::rethrow_exception(s.end_error);
    throw std::logic_error("send() on a finished context: the remote function already returned");
  }
  if (!s.core.find_peer(s.peer_uid)) throw PeerLost({s.peer_uid, "", 0}, "lost while streaming");
  --s.credits;
  s.enqueue(std::move(item));
  co_return;
}

task<std::optional<PackedPayload>> Stream::receive_packed() {
  const auto keep = state_;  // as in send_packed
  detail::StreamState& s = *keep;
  while (s.inbox.empty()) {
    if (s.peer_closed) co_return std::nullopt;
    if (s.ended) {
      if (s.end_error) std::rethrow_exception(s.end_error);
      co_return std::nullopt;  // the remote function returned: nothing more will come
    }
    s.readable.reset();
    co_await s.readable.wait();
  }
  const auto* yield = s.inbox.front().envelope().body_as_Yield();
  const auto* more = yield->more();
  const std::size_t in_message = 1 + (more ? more->size() : 0);
  const std::size_t index = s.front_consumed;
  const std::uint64_t seq = yield->seq() + index;
  if (seq != s.next_receive_seq)
    throw RemoteError({.kind = wire::ErrorKind::Malformed,
                       .type_name = "tether::StreamOutOfOrder",
                       .message = fmt::format("stream item {} arrived where {} was due", seq,
                                              s.next_receive_seq),
                       .origin = {s.peer_uid, "", 0},
                       .relay_path = {},
                       .trace = {}});
  ++s.next_receive_seq;
  PackedPayload item = detail::unpack_payload(index == 0 ? yield->value() : more->Get(index - 1));
  --s.buffered_items;
  if (++s.front_consumed == in_message) {
    s.inbox.pop_front();
    s.front_consumed = 0;
  }
  // Hand credit back in batches: half a window at a time keeps the sender busy
  // without a Credit message per item.
  if (++s.consumed_ungranted >= std::max<std::uint32_t>(1, s.window / 2) && !s.ended) {
    if (detail::Peer* peer = s.core.find_peer(s.peer_uid)) {
      const std::uint32_t items = s.consumed_ungranted;
      s.core.send(
          *peer, {.call_id = s.call_id},
          [&](flatbuffers::FlatBufferBuilder& b) { return wire::CreateCredit(b, items); },
          transport::Priority::control);
    }
    s.consumed_ungranted = 0;
  }
  co_return item;
}

task<void> Stream::send_raw(std::span<const std::uint8_t> bytes) {
  PackedPayload packed{"", {bytes.begin(), bytes.end()}};
  co_await send_packed(std::move(packed));
}

task<std::optional<std::vector<std::uint8_t>>> Stream::receive_raw() {
  auto packed = co_await receive_packed();
  if (!packed) co_return std::nullopt;
  check_payload_type(packed->type_name, "", "a stream item", peer());
  co_return std::move(packed->bytes);
}

void Stream::close() {
  detail::StreamState& s = *state_;
  if (s.closed || s.ended) return;
  s.closed = true;
  (void)s.flush();  // the items first, then Stop
  if (detail::Peer* peer = s.core.find_peer(s.peer_uid))
    s.core.send(*peer, {.call_id = s.call_id},
                [](flatbuffers::FlatBufferBuilder& b) { return wire::CreateStop(b); });
}

std::uint64_t Stream::sent() const noexcept {
  return state_->next_send_seq;
}
std::uint64_t Stream::received() const noexcept {
  return state_->next_receive_seq;
}
std::size_t Stream::buffered() const noexcept {
  return state_->buffered_items;
}
std::uint64_t Stream::credit() const noexcept {
  return state_->credits;
}

ActorIdentity Stream::peer() const {
  if (detail::Peer* p = state_->core.find_peer(state_->peer_uid)) return p->identity;
  return {state_->peer_uid, "", 0};
}

}  // namespace tether
