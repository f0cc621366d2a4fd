#pragma once
// AcceptGate: how many connections an ipc:// ROUTER holds, and the door that stops
// libzmq accepting more before this process runs out of descriptors — libzmq 4.3.4
// aborts when accept() on an ipc listener fails with EMFILE (src/ipc_listener.cpp:325).
//
// Why a door and not zmq_unbind: in libzmq 4.3.4 the sessions a listener accepted are
// its children, so unbinding closes every connection it accepted, the live peers' too.
// The door is the socket file instead: renamed aside, a new connect() finds nothing
// (libzmq's connecters retry), while the listener and every connection it holds carry
// on; renamed back, newcomers get in again. What libzmq accepts between the bound being
// reached and the door shutting (one pass of our loop, plus the listen backlog) comes
// out of accept_reserve().
//
// libzmq gives no way to close one ROUTER connection (ZMQ_DISCONNECT_PEER is a draft
// API, for SERVER sockets), so connections that never said Hello cannot be made to go
// first: they go when their peer closes them or a handshake or heartbeat times out.
//
// Plain state, no sockets, no timers: the Socket feeds it monitor events, and calls
// recheck() now and then while the door is shut.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace tether::transport {

/// SocketConfig::max_connections when left 0, from the descriptor limit L:
///   (L - 32) / 2, at least 1.
/// 32 is what an actor uses before its first peer (libzmq's reaper and I/O thread,
/// the loop's epoll, eventfd and timerfd, stdio, the inbox and its monitor, the
/// registry connection, the signal thread: 25 measured). Half of the rest is for
/// connections accepted; the other half for the process's own use, which grows about
/// 6 per child (its pidfd, a DEALER with its monitor and connection, the handoff pipe
/// while spawning). accept_reserve() comes out of that half.
std::size_t default_max_connections();

class AcceptGate {
 public:
  /// `path`: the bound socket file; `bound`: connections held before the door shuts
  /// (it opens again below three quarters of it); `who`: names the socket in logs.
  AcceptGate(std::string path, std::size_t bound, std::string who);
  AcceptGate(const AcceptGate&) = delete;
  AcceptGate& operator=(const AcceptGate&) = delete;
  ~AcceptGate() { close(); }

  /// Monitor events of the ROUTER (ConnectionWatch): `fd` is the connection's socket.
  void accepted(int fd);
  void disconnected(int fd);
  /// Forgets connections closed without a DISCONNECTED event (a ROUTER refusing a
  /// routing id already in use), then opens or shuts the door as the rules say.
  void recheck();
  /// Puts the socket file back under its name, before the socket closes. Idempotent.
  void close();

  bool shut() const noexcept { return shut_; }
  std::size_t connections() const noexcept { return held_.size(); }
  std::size_t bound() const noexcept { return bound_; }

 private:
  struct Identity {  // an fd number is reused; the socket's inode is not
    dev_t device;
    ino_t inode;
  };
  void forget_closed();
  bool descriptors_low();
  void shut_door(std::string_view why);
  void open_door();

  std::string path_;
  std::string aside_;
  std::size_t bound_;
  std::size_t low_water_;
  std::string who_;
  std::unordered_map<int, Identity> held_;
  bool shut_ = false;
  bool closed_ = false;
  std::uint64_t open_at_scan_ = 0;     // descriptors open at the last /proc scan
  std::size_t accepted_since_scan_ = 0;
};

}  // namespace tether::transport
