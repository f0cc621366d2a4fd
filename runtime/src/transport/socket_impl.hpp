#pragma once
// Private state of transport::Socket, shared between the Socket handle and its pump
// coroutine (the pump holds a shared_ptr, so the state outlives a Socket destroyed
// while the pump is suspended; the zmq socket itself is closed at once by close()).

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>

#include "accept_gate.hpp"
#include "connection_watch.hpp"
#include "ipc_file.hpp"
#include "tether/transport/socket.hpp"
#include "tether/transport/zmq_fd.hpp"

namespace tether::transport {

class Socket::Impl : public std::enable_shared_from_this<Socket::Impl> {
 public:
  using Inbox = boost::asio::experimental::channel<void(boost::system::error_code, InboundMessage)>;

  Impl(const boost::asio::any_io_executor& executor, zmq::context_t& context, SocketConfig config);

  // -- pump (pump.cpp) ------------------------------------------------------------
  task<void> pump();
  /// Interrupts the pump's fd wait so it re-checks its queues and ZMQ_EVENTS.
  void wake();

  // -- inbound (inbound.cpp) -------------------------------------------------------
  /// Receives up to `budget` messages; returns how many zmq receives it made. Sets
  /// mailbox_drained_ when it stopped on EAGAIN (libzmq's command mailbox is then empty).
  std::size_t read_batch(std::size_t budget);
  bool mailbox_drained_ = false;
  /// Moves the held message (if any) into the inbox; resumes reading when it fits.
  void deliver_held();
  void on_consumed();

  // -- outbound (outbound.cpp) -----------------------------------------------------
  Result<void, SendError> enqueue(OutboundMessage message, Priority priority);
  /// Sends up to `budget` messages; returns how many it attempted.
  std::size_t write_batch(std::size_t budget);
  void drop_queued();

  void close();

  // -- liveness (socket_liveness.cpp) ---------------------------------------------------
  void on_connection_event(ConnectionWatch::Event event, int fd);
  /// ROUTER: remembers which connection `peer` talks through (its ZMQ_SRCFD).
  void note_route(std::string_view peer, int fd);
  /// ROUTER: an unroutable peer needs no more probes.
  void forget_route(std::string_view peer);
  void send_probes();
  /// A peer (ROUTER: its routing id; DEALER: empty) is gone; reported by deliver_gone.
  void report_gone(std::string_view peer);
  /// Called by the pump after reading: reports the losses once nothing precedes them.
  void deliver_gone();
  std::vector<std::string> gone_;

  // -- accepting (socket_accept.cpp) ----------------------------------------------
  /// ROUTER bound to an ipc file, with watch_connections: counts what it accepted.
  void watch_accepting();
  void on_accept_event(ConnectionWatch::Event event, int fd);
  /// While the gate is shut: rechecks it every kGateRecheck (descriptors freed by the
  /// process itself send no event).
  void arm_gate_recheck();
  static constexpr std::chrono::milliseconds kGateRecheck{250};

  // -- state -----------------------------------------------------------------------
  boost::asio::any_io_executor executor_;
  SocketConfig config_;
  zmq::socket_t socket_;
  IpcFile ipc_file_;  // removed when the socket closes
  ZmqFd fd_;
  Inbox inbox_;
  std::optional<InboundMessage> held_;  // did not fit the inbox; reading paused meanwhile
  std::deque<OutboundMessage> control_;
  std::deque<OutboundMessage> data_;
  // Peers that answered EAGAIN, with their messages in order. Retried on the next
  // wake-up and by retry_timer_, so one full peer never blocks the rest.
  std::unordered_map<std::string, std::deque<OutboundMessage>> parked_;
  std::size_t queued_ = 0;
  bool retry_parked_ = false;
  bool retry_armed_ = false;
  static constexpr std::chrono::microseconds kMinRetryDelay{100};
  static constexpr std::chrono::microseconds kMaxRetryDelay{10'000};
  std::chrono::microseconds retry_delay_ = kMinRetryDelay;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer drained_;  // cancelled when the outbox empties (flush)
  bool started_ = false;
  bool paused_ = false;        // pause(): the pump leaves at its next turn
  bool pump_running_ = false;  // a pump coroutine exists (until it returns)
  bool closed_ = false;
  bool waiting_ = false;
  std::vector<zmq::message_t> frames_;  // receive scratch, reused
  wire::Encoder encoder_;               // for the Error replies the socket sends itself
  Stats stats_;
  std::unordered_set<std::string> warned_peers_;
  std::function<void(std::string_view)> on_unroutable_;
  std::shared_ptr<ConnectionWatch> watch_;
  std::function<void()> on_disconnected_;
  bool handshaken_ = false;                         // DEALER: a connection is up
  struct IdHash {  // transparent: a routing id (string_view) looks up without a copy
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class T>
  using ById = std::unordered_map<std::string, T, IdHash, std::equal_to<>>;
  ById<int> route_fd_;        // ROUTER: routing id -> the fd of its connection
  ById<unsigned> probing_;    // ROUTER: routing id -> probes sent since a disconnect
  boost::asio::steady_timer probe_timer_;
  bool probe_armed_ = false;
  std::unique_ptr<AcceptGate> gate_;  // ROUTER on an ipc file, with watch_connections
  boost::asio::steady_timer gate_timer_;
  bool gate_armed_ = false;

  bool is_router() const noexcept { return config_.kind == SocketKind::router; }
  /// Logs a peer's first bad message only: a hostile peer must not flood the log.
  void warn_once(std::string_view peer, std::string_view what);
};

}  // namespace tether::transport
