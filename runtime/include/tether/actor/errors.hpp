#pragma once
// Errors that cross actor boundaries. A failure in a remote function arrives as a
// RemoteError carrying where it came from and the path it travelled; the specific
// protocol failures have their own types so callers can catch exactly them.

#include <stdexcept>
#include <string>
#include <vector>

#include "tether/actor/child_process.hpp"
#include "tether/actor/identity.hpp"
#include "tether/wire/protocol.hpp"

namespace tether {

/// An error raised by another actor (or relayed by one).
class RemoteError : public std::runtime_error {
 public:
  struct Details {
    wire::ErrorKind kind = wire::ErrorKind::Remote;
    std::string type_name;                  // the C++ type of the original exception
    std::string message;                    // its what()
    ActorIdentity origin;                   // the actor where it was raised
    std::vector<ActorIdentity> relay_path;  // origin first, then every actor it reached
    std::string trace;                      // one line per hop: actor, function, call id
  };

  explicit RemoteError(Details details);

  wire::ErrorKind kind() const noexcept { return details_.kind; }
  const std::string& type_name() const noexcept { return details_.type_name; }
  const std::string& message() const noexcept { return details_.message; }
  const ActorIdentity& origin() const noexcept { return details_.origin; }
  const std::vector<ActorIdentity>& relay_path() const noexcept { return details_.relay_path; }
  const std::string& trace() const noexcept { return details_.trace; }
  const Details& details() const noexcept { return details_; }

  /// "C -> B -> A" by actor names.
  std::string path_text() const;

 private:
  Details details_;
};

/// The callee exposes no function by that name.
class UnknownFunction : public RemoteError {
 public:
  using RemoteError::RemoteError;
};

/// The payload's type differs from what the function declares (tractor's MsgTypeError).
class PayloadTypeMismatch : public RemoteError {
 public:
  using RemoteError::RemoteError;
};

/// The peer speaks a protocol version we cannot talk to.
class ProtocolMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The peer stopped answering (heartbeat timeout) or its connection died while we
/// waited on it. Raised locally; never a hang.
class PeerLost : public std::runtime_error {
 public:
  PeerLost(ActorIdentity peer, const std::string& why);
  const ActorIdentity& peer() const noexcept { return peer_; }

 private:
  ActorIdentity peer_;
};

/// A child actor's process ended without being asked to (crash, signal, error exit).
class ActorExited : public std::runtime_error {
 public:
  ActorExited(std::string name, pid_t pid, ExitStatus status, const std::string& what)
      : std::runtime_error(what), name_(std::move(name)), pid_(pid), status_(status) {}
  const std::string& name() const noexcept { return name_; }
  pid_t pid() const noexcept { return pid_; }
  const ExitStatus& status() const noexcept { return status_; }

 private:
  std::string name_;
  pid_t pid_;
  ExitStatus status_;
};

/// A child actor died or hung before finishing its boot handshake.
class BootFailed : public ActorExited {
 public:
  using ActorExited::ActorExited;
};

/// No actor is registered under the name looked up.
class ActorNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The peer refused the request: the sender may not ask it (e.g. a stop request from
/// neither the actor's parent nor an operator of its host).
class Unauthorized : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds the RemoteError subclass that matches `details.kind`.
std::exception_ptr make_remote_error(RemoteError::Details details);

}  // namespace tether
