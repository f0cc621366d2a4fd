#pragma once
// The shared state of one context: its stream (credits, inbox, ending) and, on the
// caller's side, the started value and the final outcome. Private to the runtime.

#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actor_core.hpp"
#include "tether/actor/stream.hpp"

namespace tether::detail {

struct StreamState : std::enable_shared_from_this<StreamState> {
  StreamState(ActorCore& core, std::string peer_uid, std::uint64_t call_id, std::uint32_t window)
      : core(core),
        peer_uid(std::move(peer_uid)),
        call_id(call_id),
        window(window),
        readable(core.executor()),
        writable(core.executor()) {}

  ActorCore& core;
  const std::string peer_uid;
  const std::uint64_t call_id;
  const std::uint32_t window;  // credit we grant: items we are ready to buffer

  // Receiving.
  std::deque<transport::InboundMessage> inbox;  // Yield messages not yet fully consumed
  std::size_t front_consumed = 0;               // items of inbox.front() already taken
  std::size_t buffered_items = 0;               // items in inbox not yet taken
  Event readable;
  bool peer_closed = false;  // the peer sent Stop
  std::uint64_t next_receive_seq = 0;
  std::uint32_t consumed_ungranted = 0;
  bool overrun_logged = false;

  // Sending. Items are batched: one Yield carries every item sent before the loop next
  // turns (or kMaxBatch of them), so a fast producer pays per message, not per item.
  static constexpr std::size_t kMaxBatch = 64;
  static constexpr std::size_t kMaxBatchBytes = 32 * 1024;
  std::uint64_t credits = 0;
  Event writable;
  std::uint64_t next_send_seq = 0;   // seq of the next item handed to send()
  std::vector<PackedPayload> batch;  // items not yet encoded; the first has seq batch_seq
  std::uint64_t batch_seq = 0;
  std::size_t batch_bytes = 0;
  bool flush_posted = false;
  bool closed = false;  // we sent Stop

  // Ending: once set, no more items move; waiting operations wake up.
  bool ended = false;
  std::exception_ptr end_error;  // null: the context finished normally

  /// Queues one item (credit already taken); sends the batch when it is full, else
  /// arranges for it to go out when the loop next turns.
  void enqueue(PackedPayload item);
  /// Sends the batched items now as one Yield. Before Stop, Return, Error: order holds.
  /// Returns false if the connection refused it.
  bool flush();
  void on_yield(transport::InboundMessage message);
  void on_credit(std::uint32_t items);
  void on_stop();
  void end(std::exception_ptr error);
  /// Sends our initial grant (the whole window).
  void grant_window();
};

struct ContextState {
  ContextState(ActorCore& core, std::string peer_uid, ActorIdentity peer, std::uint64_t call_id,
               std::string function, std::uint32_t window)
      : stream(std::make_shared<StreamState>(core, std::move(peer_uid), call_id, window)),
        peer(std::move(peer)),
        function(std::move(function)),
        changed(core.executor()),
        outcome(core.executor()) {}

  std::shared_ptr<StreamState> stream;
  const ActorIdentity peer;
  const std::string function;
  Event changed;  // started or outcome arrived (caller side)

  // Caller side.
  std::optional<PackedPayload> first;  // the Started value
  CallReply outcome;                   // Return | Error | CancelAck, or a local failure
  // Callee side.
  bool started_sent = false;

  void on_started(const wire::Envelope& envelope);
  /// The outcome arrived (or failed): the stream ends with it.
  void on_outcome();
};

}  // namespace tether::detail
