#pragma once
// RegistryHost: this process's share in keeping the per-user default registry
// (default_registry_endpoint()) alive — whatever any one root is doing, and only while
// some root lives. Every root Program on the default endpoint owns one.
//
// Contract:
// - Exactly one process serves the default registry: the holder of RegistryHostLock.
//   A RegistryHost that gets the lock binds the endpoint (replacing a stale socket file
//   a killed host left) and serves it on its own thread and io_context, so a root whose
//   loop is busy (CPU-bound code, a long synchronous call) still answers lookups and
//   `tether ps`. The registry's socket lives entirely on that thread; only the zmq
//   context is shared with the rest of the process.
// - One that does not get it (a guest) tries again every `retry`, also from its own
//   thread (a guest's busy loop must not delay a takeover). The kernel releases the lock
//   when its holder exits or is killed, so the next root to try takes over within
//   about `retry`; every client's reconnect then re-registers its entries and re-opens
//   its watches (RegistryClient), into a registry that starts empty.
// - A registry already answering at the endpoint without the lock (one started by hand
//   with `tether registry --bind`) is left alone: the lock holder joins it like a guest
//   and checks every 5 x `retry` whether it still answers, binding once it does not.
// - Nothing outlives the roots: there is no daemon. When the last root exits the
//   registry goes with it, and the next root to start hosts a fresh one.
// Lifetime: the zmq context must outlive the RegistryHost. Destroying it stops serving
// (the socket closes and its file is removed), then releases the lock — in that order,
// so a successor's socket file is never removed — and joins the thread. A clean exit
// therefore hands over exactly like a crash, only sooner.

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include "tether/base/task.hpp"

namespace zmq {
class context_t;
}

namespace tether::detail {

class RegistryHost {
 public:
  /// Starts the host thread and returns once the first attempt is decided: a root that
  /// finds the lock free is serving `endpoint` (the default one) when this returns.
  RegistryHost(zmq::context_t& context, std::string endpoint,
               std::chrono::milliseconds retry = std::chrono::milliseconds(200));
  ~RegistryHost();
  RegistryHost(const RegistryHost&) = delete;
  RegistryHost& operator=(const RegistryHost&) = delete;

 private:
  /// The host thread's one task: take the lock when it is free, then serve until stopped.
  task<void> keep_hosted();
  /// With the lock held: serves until stopped (after any registry we do not own stops
  /// answering there), or returns at once when the endpoint cannot be bound.
  task<void> serve_while_locked();
  void first_attempt_done();

  zmq::context_t& context_;
  const std::string endpoint_;
  const std::chrono::milliseconds retry_;
  std::promise<void> first_attempt_;
  bool first_attempt_reported_ = false;  // host thread only
  std::string bind_problem_;              // the last bind failure said (host thread only)
  boost::asio::io_context io_{1};
  boost::asio::cancellation_signal stop_;  // emitted on the host thread only
  std::thread thread_;
};

}  // namespace tether::detail
