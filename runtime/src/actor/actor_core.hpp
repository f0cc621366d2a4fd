#pragma once
// The machinery behind Actor and Portal: peers, the call dialog on both sides,
// liveness. Private to the runtime.

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "codec.hpp"
#include "orphans.hpp"
#include "tether/actor/actor.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/cleanup.hpp"
#include "tether/concurrency/event.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/concurrency/reply.hpp"
#include "tether/base/subscription.hpp"
#include "tether/transport/socket.hpp"

namespace tether {
class ActorNursery;
}

namespace tether::detail {

using Clock = std::chrono::steady_clock;
struct ContextState;

/// The outcome of one outgoing call (or handshake, boot, stop): Return, Error or
/// CancelAck as a value; a local failure (PeerLost) as an error; abandoned when the
/// process that would have answered exited first.
using CallReply = Reply<transport::InboundMessage>;

/// A call a peer made to us that is still running.
struct ServingCall {
  TaskHandle task;                // cancels just this call
  bool cancel_requested = false;  // the caller sent Cancel (answer with CancelAck)
  bool deadline_expired = false;  // the call's deadline passed (answer with Timeout)
  std::shared_ptr<ContextState> context;  // for a context function: its stream
  std::string function;                   // for logs
  void cancel() { task.cancel(); }
};

struct Peer {
  ActorIdentity identity;
  transport::Socket* socket = nullptr;        // where to send to it
  std::string routing_id;                     // set when it reached our ROUTER
  std::shared_ptr<transport::Socket> dealer;  // set when we connected to it
  std::string dialed;                         // the endpoint we connected to, if we did
  std::map<std::uint64_t, CallReply*> pending;    // our calls to it
  std::map<std::uint64_t, ServingCall> serving;   // its calls to us
  std::map<std::uint64_t, std::shared_ptr<ContextState>> contexts;  // ours to it, open
  // Calls it cancelled before their Start reached us (Cancel is control priority and
  // may overtake a Start queued behind data): such a Start is refused. Bounded.
  std::deque<std::uint64_t> cancelled_unstarted;
};

class ActorCore {
 public:
  ActorCore(const boost::asio::any_io_executor& executor, zmq::context_t& context,
            const Functions& functions, ActorOptions options, Actor& owner);
  ~ActorCore();

  // -- actor_core.cpp --------------------------------------------------------------
  task<void> serve();
  task<Portal> connect(const std::string& endpoint);
  /// Hello on a dealer we just connected (Welcome answers it).
  void send_hello(transport::Socket& dealer);
  /// Routes one inbound message: Hello and Welcome by socket, the rest by sender.
  void handle(transport::InboundMessage message, const std::shared_ptr<transport::Socket>& via);
  void route(Peer& peer, transport::InboundMessage message);
  /// Who sent `message`: the peer it said Hello as (inbox), or the one we dialled.
  Peer* sender_of(const transport::InboundMessage& message,
                  const std::shared_ptr<transport::Socket>& via);
  /// The Peer for `identity`, made if new, its identity brought up to date.
  Peer& peer_slot(const ActorIdentity& identity);
  void on_welcome(transport::InboundMessage message, const std::shared_ptr<transport::Socket>& via);
  void on_hello(transport::InboundMessage message);
  task<void> receive_loop(std::shared_ptr<transport::Socket> socket);
  Nursery& service();

  // -- caller.cpp ------------------------------------------------------------------
  task<transport::InboundMessage> call(const std::string& peer_uid, std::string_view function,
                                       const PackedPayload& args, const CallOptions& options);
  void on_call_reply(Peer& peer, transport::InboundMessage message);
  /// Sends Cancel for our call `call_id` and waits, bounded by cancel_ack_timeout, for
  /// `pending` (its outcome) to complete.
  task<void> cancel_remote(const std::string& peer_uid, std::uint64_t call_id,
                           CallReply& pending, std::string_view reason);
  /// Files `reply` as the outcome of our call `call_id` to `peer_uid` until the
  /// Subscription ends (the peer may be lost first: then there is nothing to undo).
  Subscription await_reply(const std::string& peer_uid, std::uint64_t call_id, CallReply& reply);

  // -- context.cpp -----------------------------------------------------------------
  task<std::shared_ptr<ContextState>> open_context(const std::string& peer_uid,
                                                   std::string_view function,
                                                   const PackedPayload& args, StreamOptions stream);
  void forget_context(const std::string& peer_uid, std::uint64_t call_id);
  /// Started / Yield / Credit / Stop for a context we opened or serve.
  void on_stream_message(Peer& peer, transport::InboundMessage message);

  // -- callee.cpp ------------------------------------------------------------------
  void on_start(Peer& peer, transport::InboundMessage message);
  void on_cancel(Peer& peer, const wire::Envelope& envelope);
  task<void> serve_call(std::string peer_uid, std::uint64_t call_id, const Functions::Entry* entry,
                        transport::InboundMessage message, std::shared_ptr<ContextState> context);
  /// Why a Start cannot be served (unknown function, wrong payload or call kind, ...).
  struct Refusal {
    wire::ErrorKind kind;
    std::string type_name;
    std::string message;
  };
  std::optional<Refusal> check_start(const Peer& peer, const wire::Envelope& start,
                                     const std::string& function,
                                     const Functions::Entry* entry) const;
  /// Cancels the served call `call_id` of `peer_uid` when the caller's deadline passes.
  std::optional<boost::asio::steady_timer> enforce_deadline(
      std::chrono::system_clock::time_point deadline, const std::string& peer_uid,
      std::uint64_t call_id);
  /// Return, Error or CancelAck for a served call that ended with `error` or `result`.
  void answer_call(Peer& peer, const ServingCall& state, const wire::Envelope& start,
                   const std::exception_ptr& error, const std::optional<PackedPayload>& result);

  // -- liveness.cpp ----------------------------------------------------------------
  /// Warns when something held the loop longer than options_.loop_stall_warning.
  task<void> watch_loop();
  /// The inbox route to `routing_id` is gone: that peer's connection closed.
  void on_route_gone(std::string_view routing_id);
  /// Our connection `dealer` to a peer closed.
  void on_connection_closed(const transport::Socket* dealer);
  /// The link to `uid` closed: it is lost (a child of ours once its exit had time to show).
  void on_link_closed(const std::string& uid);
  static constexpr std::chrono::milliseconds kExitShowsWithin{50};
  /// Fails what waits on the peer `uid` with PeerLost (carrying `exit` when its process
  /// was reaped) and forgets it.
  void lose_peer(const std::string& uid, const std::string& why,
                 std::optional<ActorExit> exit = std::nullopt);
  /// Calls `listener(why)` once if the peer `uid` is lost while the Subscription lasts.
  Subscription listen_for_loss(const std::string& uid,
                               std::function<void(const std::string&)> listener);

  // -- lineage.cpp: the parent/child boot handshake and actor-wide cancel ------------
  /// Parent: a child with `uid` is expected while the Subscription lasts; its Hello gets
  /// Welcome + Spawn, and its SpawnAck completes `boot`.
  Subscription expect_child(const std::string& uid, CallReply& boot);
  /// `ack` completes when `uid` answers our Cancel(0) with CancelAck (or an Error), while
  /// the Subscription lasts.
  Subscription expect_stop_ack(const std::string& uid, CallReply& ack);
  /// CancelAck or Error with call id 0: completes what expect_stop_ack armed.
  void on_stop_answer(Peer& peer, transport::InboundMessage message);
  /// Parent: hands a booting child (it just said Hello) its spawn spec.
  void send_spawn(Peer& child);
  void on_spawn_ack(Peer& peer, transport::InboundMessage message);
  /// Child: connect to the parent and wait for its Spawn (bounded by `timeout`).
  task<Portal> boot_as_child(const std::string& parent_endpoint, std::chrono::milliseconds timeout);
  void on_spawn(Peer& peer, transport::InboundMessage message);
  /// Resolves when a peer asked this whole actor to stop (Cancel with call id 0).
  task<void> wait_for_stop_request();
  /// Unless the owner handles stops (stop_handled_by_owner_): on a stop request, cancels
  /// what this actor serves (bounded by the stop's deadline) and ends serve().
  task<void> end_serve_on_stop_request(Nursery& service);
  void on_actor_cancel(Peer& peer, const wire::Envelope& envelope);
  /// A peer asked us to stop one of our children (Cancel 0 addressed to the child).
  void on_child_stop_request(Peer& peer, const wire::Envelope& envelope, std::string child_uid);
  /// Something asked this actor to stop: its parent (Cancel 0), a signal, or the loss
  /// of its parent. Idempotent; wait_for_stop_request() returns afterwards. `deadline`:
  /// by when the whole subtree must be gone (the earliest one asked for wins).
  void request_stop(std::optional<Clock::time_point> deadline = std::nullopt);
  /// The deadline of the stop under way, if one was given: teardowns fit inside it.
  std::optional<Clock::time_point> stop_deadline() const { return stop_deadline_; }
  /// Answers the stop request with CancelAck (the subtree is gone by then) and waits,
  /// bounded, until it has been handed to zmq.
  task<void> acknowledge_stop(std::chrono::milliseconds bound);
  /// CancelAck for a stop request (ours, or of one of our children).
  void send_stop_ack(Peer& peer, std::uint64_t in_reply_to);
  /// Before this process exits: waits (at most kAckLinger) until every requester that
  /// got a stop's CancelAck has hung up, so the answer is not lost with the process.
  task<void> await_stop_acks_delivered();
  static constexpr std::chrono::milliseconds kAckLinger{200};
  /// Cancels every call being served and waits (bounded) until all have finished.
  task<void> cancel_serving_calls(std::chrono::milliseconds bound);

  // -- discovery.cpp ---------------------------------------------------------------
  /// Registers this actor and keeps the registration (run by serve()).
  task<void> register_self();
  /// Children started by this actor's nurseries, so a stop request can reach them.
  void adopt_child(const std::string& uid, ActorNursery& nursery) { child_nurseries_[uid] = &nursery; }
  void disown_child(const std::string& uid) { child_nurseries_.erase(uid); }

  // -- sending ---------------------------------------------------------------------
  /// Encodes and queues one message to `peer`; false if it could not be queued. Every
  /// message this actor sends gets its id (and `from`) here.
  template <class MakeBody>
  bool send(Peer& peer, wire::Header header, MakeBody&& make_body,
            transport::Priority priority = transport::Priority::data) {
    header.msg_id = next_message_id();
    header.from = identity_.ref();
    auto bytes = encoder_.encode(header, std::forward<MakeBody>(make_body));
    return send_frame(peer, transport::make_frame(bytes), priority);
  }
  bool send_frame(Peer& peer, zmq::message_t envelope, transport::Priority priority);
  /// Cancel and CancelAck: always control priority, never behind data. Cancel with
  /// call id 0 stops a whole actor (or, with header.to set, one of its children).
  void send_cancel(Peer& peer, wire::Header header, std::string_view reason,
                   std::chrono::milliseconds grace = {}, std::string_view operator_token = {});
  void send_cancel_ack(Peer& peer, std::uint64_t in_reply_to, std::uint64_t call_id);
  /// A plain Error (kind and reason), for requests that cannot be served at all.
  void send_error_reply(Peer& peer, wire::Header header, wire::ErrorKind kind,
                        std::string_view text);
  void send_error(Peer& peer, std::uint64_t call_id, std::uint64_t in_reply_to,
                  const std::exception_ptr& error, std::string_view function);

  Peer* find_peer(std::string_view uid);
  /// The id of the next message this actor sends (send() takes it itself).
  std::uint64_t next_message_id() noexcept { return ++next_msg_id_; }
  /// The peer we are connected to at `endpoint` (through our own dealer), if any.
  Peer* find_dialed(std::string_view endpoint);
  /// Waiters and listeners registered now (Actor::pending_registrations).
  std::size_t registrations() const noexcept;

  // -- what other parts of the runtime read -------------------------------------------
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  const ActorIdentity& identity() const noexcept { return identity_; }
  const ActorOptions& options() const noexcept { return options_; }
  const std::string& endpoint() const noexcept { return endpoint_; }
  /// What this actor adopted as a child subreaper.
  Orphans& orphans() noexcept { return orphans_; }
  RegistryClient* registry() noexcept { return registry_.get(); }
  std::size_t serving_count() const noexcept { return serving_count_; }
  /// True once a peer asked this actor to stop (and awaits its CancelAck).
  bool stop_was_requested_by_peer() const noexcept { return !stop_requester_.empty(); }
  /// The owner (Program, or a service awaiting stop_requested()) decides what a stop
  /// request means; otherwise end_serve_on_stop_request does.
  void set_stop_handled_by_owner() noexcept { stop_handled_by_owner_ = true; }
  /// Actor::run's main, cancelled by a stop request nobody else handles.
  void set_run_main(TaskHandle* main) noexcept { run_main_ = main; }

 private:
  boost::asio::any_io_executor executor_;
  zmq::context_t& context_;
  const Functions& functions_;
  ActorOptions options_;
  Actor& owner_;
  ActorIdentity identity_;
  std::shared_ptr<transport::Socket> inbox_;
  std::string endpoint_;
  // By uid; the transparent hash lets a routing id (string_view) look up without a copy.
  struct UidHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<Peer>, UidHash, std::equal_to<>> peers_;
  std::unordered_map<const transport::Socket*, std::string> dealer_owner_;  // our connections
  wire::Encoder encoder_;
  std::uint64_t next_call_id_ = 0;
  std::uint64_t next_msg_id_ = 0;
  std::size_t serving_count_ = 0;
  std::string last_started_call_;  // for the loop-stall warning
  Nursery* service_ = nullptr;  // set while serve() runs
  // Outstanding connect() handshakes, by the dealer's address (Welcome arrives there).
  std::map<transport::Socket*, CallReply*> handshakes_;
  // Endpoints being dialled: set when that dial ends, however it ends (a second connect
  // to the same endpoint waits for it rather than be refused by the peer's ROUTER).
  std::map<std::string, std::shared_ptr<Event>> dialing_;
  std::multimap<std::string, std::pair<std::uint64_t, std::function<void(const std::string&)>>>
      loss_listeners_;  // by uid: (key, listener), each owned by a Subscription
  std::uint64_t next_listener_ = 0;
  std::map<std::string, CallReply*> expected_children_;   // parent: uid -> boot waiter
  std::map<std::string, CallReply*> expected_stop_acks_;  // uid -> CancelAck waiter
  CallReply* spawn_waiter_ = nullptr;                     // child: waiting for Spawn
  Event stop_request_{executor_};                         // set once asked to stop
  std::optional<Clock::time_point> stop_deadline_;          // by when that stop must end
  std::string stop_requester_;                              // uid to send CancelAck to
  std::vector<std::string> stop_acks_sent_;                 // requesters answered
  std::uint64_t stop_request_msg_ = 0;
  bool stop_acknowledged_ = false;      // acknowledge_stop() ran: it answers once
  bool stop_handled_by_owner_ = false;  // Program, or a service awaiting stop_requested()
  TaskHandle* run_main_ = nullptr;       // Actor::run's main, while it runs
  Event* serving_drained_ = nullptr;  // set when serving_count_ hits 0
  std::unique_ptr<RegistryClient> registry_;  // when options_.registry is set
  std::map<std::string, ActorNursery*> child_nurseries_;
  Orphans orphans_{executor_};  // what this actor adopted as a child subreaper
  Subscription parent_loss_;    // child: stops this actor when its parent is lost
};

}  // namespace tether::detail
