#pragma once
// RegistryClient: one connection to the registry service, kept alive for as long as
// run() runs — through registry restarts and lost connections.
//
// - run() connects (Hello/Welcome) and reconnects with backoff whenever the connection
//   closes — the registry exited, or froze or was cut off for heartbeat_interval x
//   heartbeat_liveness (ZMTP heartbeats, answered by libzmq's I/O threads, so our own
//   busy loop never makes the registry look lost) — or the registry says it does not
//   know us (it restarted). After every reconnect it re-registers everything this client
//   registered and re-subscribes every watch: a restarted registry is re-populated
//   without the application doing anything.
// - Every request is bounded by request_timeout: while the registry is away, a request
//   waits for the reconnect and retries; past the bound it throws RegistryUnavailable.
//   A request the registry refuses throws RegistryRefused with its reason.
// - Lookup policy: lookup(name, scope) lists every live actor with that name in `scope`
//   (a namespace and its token, or every namespace: see NameScope), the most recently
//   registered first; wait_for(name) returns that first one. Records are registered in
//   record.name_space with RegistryClientOptions::namespace_token.
// Lifetime: the client outlives run() and every RegistryWatch it handed out; requests
// work only while run() runs (on the same loop).
// Cancellation: cancelling run() deregisters this client's entries (fire and forget,
// bounded by 200 ms, so a clean exit leaves no entry behind), closes the connection,
// and fails waiting requests with RegistryUnavailable. Cancelling a request abandons it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "tether/base/task.hpp"
#include "tether/registry/entry.hpp"
#include "tether/transport/curve.hpp"
#include "tether/transport/socket_options.hpp"

namespace zmq {
class context_t;
}

namespace tether {

/// One actor as the registry lists it.
using ActorRecord = registry::Entry;
/// One change a watch reports: join, leave (deregistered) or expired (lease ran out).
using RegistryEvent = registry::Event;
using RegistryEventKind = registry::EventKind;
using registry::NameScope;

/// No registry answered within the request's bound.
class RegistryUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The registry answered with an error (bad request, unknown entry, refused handshake).
class RegistryRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegistryClientOptions {
  std::string endpoint;  // the registry's endpoint; required
  std::string uid;       // who we are: the connection's routing id (unique per client)
  std::string name = "client";
  std::chrono::milliseconds heartbeat_interval{1000};
  unsigned heartbeat_liveness = 3;
  /// Lease asked for each registration: how long an entry outlives silence from us.
  std::chrono::milliseconds lease{3000};
  /// Sent with every registration: only lookups that present the same token find the
  /// entries (empty: an open namespace). A secret: never logged, never listed.
  std::string namespace_token;
  std::chrono::milliseconds request_timeout{5000};
  /// First delay between reconnect attempts; doubles up to reconnect_max.
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{1000};
  transport::SocketOptions socket;
  std::optional<transport::CurveClientConfig> curve;  // for a CURVE-protected registry
};

namespace detail {
class RegistryClientCore;
struct WatchState;
}  // namespace detail

/// A live subscription to join/leave events of names with one prefix. Unsubscribes when
/// destroyed. Events are delivered in the registry's sequence order; after a reconnect
/// the watch is re-subscribed, and actors that appeared meanwhile are reported as joins.
/// Actors that vanished while the registry was away are not reported as leaves (a
/// restarted registry cannot tell them from actors not yet re-registered).
/// Up to `backlog` unread events are kept; beyond that next() throws RegistryUnavailable
/// ("watch fell behind") rather than silently dropping events.
class RegistryWatch {
 public:
  RegistryWatch(std::shared_ptr<detail::RegistryClientCore> core,
                std::shared_ptr<detail::WatchState> state);
  RegistryWatch(RegistryWatch&&) noexcept;
  RegistryWatch& operator=(RegistryWatch&&) noexcept;
  ~RegistryWatch();

  /// The matching entries when the watch was established.
  const std::vector<ActorRecord>& snapshot() const;
  /// The next event. Throws RegistryUnavailable if the client stopped.
  task<RegistryEvent> next();

 private:
  std::shared_ptr<detail::RegistryClientCore> core_;
  std::shared_ptr<detail::WatchState> state_;
};

class RegistryClient {
 public:
  RegistryClient(const boost::asio::any_io_executor& executor, zmq::context_t& context,
                 RegistryClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  /// Keeps the connection (and so every registration and watch) alive until cancelled.
  task<void> run();

  /// Registers `record` (or updates it) and keeps it registered across reconnects.
  task<void> register_actor(ActorRecord record);
  /// Removes a record this client registered.
  task<void> deregister(std::string uid);
  /// Every live actor named `name` in `scope`, most recently registered first (empty if
  /// none). The default scope is the open namespace "" (entries registered without one).
  task<std::vector<ActorRecord>> lookup(std::string name, NameScope scope = {});
  /// The newest actor named `name` in `scope`, waiting up to `timeout` for one to
  /// register. Empty if none did.
  task<std::optional<ActorRecord>> wait_for(std::string name, std::chrono::milliseconds timeout,
                                            NameScope scope = {});
  /// Every live actor.
  task<std::vector<ActorRecord>> list();
  /// Subscribes to changes of names starting with `prefix` ("" = all).
  task<RegistryWatch> watch(std::string prefix);

  bool connected() const noexcept;
  /// Waits until connected; false if not within `timeout`.
  task<bool> wait_connected(std::chrono::milliseconds timeout);
  /// How many sessions (successful handshakes) there have been: 2 after one reconnect.
  std::uint64_t sessions() const noexcept;
  const std::string& endpoint() const noexcept;

 private:
  std::shared_ptr<detail::RegistryClientCore> core_;
};

}  // namespace tether
