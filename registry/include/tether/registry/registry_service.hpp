#pragma once
// RegistryService: RegistryState behind a ROUTER socket — what `tether registry` runs,
// and what a root actor embeds when no registry is configured.
//
// Protocol (schemas/registry.fbs): a client says Hello (the actor handshake), then sends
// Register / Deregister / RenewLease / Lookup / ListActors / Watch / Unwatch; every
// request except RenewLease and Unwatch is answered with in_reply_to = its msg_id.
// - Any traffic from a client renews the leases of every entry it registered; idle
//   clients send Heartbeat. A client silent for its lease loses its entries (Expired).
// - Lookup with wait_ms > 0 is answered when the name registers or the wait ends (an
//   empty LookupReply).
// - Watch is answered with a ListReply of the matching entries now, then one WatchEvent
//   per change (in_reply_to = the Watch's msg_id), in sequence order.
// - A request from a connection that has not said Hello gets Error{UnknownPeer}: that is
//   how a client learns the registry restarted, and re-registers.
// - Bad requests get Error{Malformed | UnsupportedMessage | NotFound} with a readable
//   message; they never affect other clients.
// Lifetime: construct (binds at once), then run() until cancelled. Cancellation: run()
// returns after cancelling its tasks; the socket closes with the service.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "tether/base/task.hpp"
#include "tether/registry/registry_state.hpp"
#include "tether/transport/curve.hpp"
#include "tether/transport/socket_options.hpp"

namespace zmq {
class context_t;
}

namespace tether::registry {

struct RegistryServiceOptions {
  std::string bind_endpoint;  // e.g. tcp://0.0.0.0:7600 or ipc://...; required
  std::chrono::milliseconds heartbeat_interval{1000};
  // A client's connection that shows no sign of life (ZMTP heartbeats, answered by its
  // libzmq I/O thread) for interval x liveness is closed, and the client forgotten.
  unsigned heartbeat_liveness = 3;
  std::chrono::milliseconds default_lease{3000};
  std::chrono::milliseconds min_lease{200};
  std::chrono::milliseconds max_lease{300'000};
  std::chrono::milliseconds max_lookup_wait{3'600'000};
  /// What one client, and everyone together, may store; past it, registrations are refused.
  RegistryLimits limits;
  transport::SocketOptions socket;
  std::optional<transport::CurveServerConfig> curve;  // set on every non-loopback TCP bind
};

class RegistryService {
 public:
  RegistryService(const boost::asio::any_io_executor& executor, zmq::context_t& context,
                  RegistryServiceOptions options);
  ~RegistryService();
  RegistryService(const RegistryService&) = delete;
  RegistryService& operator=(const RegistryService&) = delete;

  /// The bound endpoint (a tcp port chosen by the OS is filled in).
  const std::string& endpoint() const noexcept;
  /// Serves until cancelled.
  task<void> run();

  const RegistryState& state() const noexcept;
  std::size_t clients() const noexcept;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tether::registry
