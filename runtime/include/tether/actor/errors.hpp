#pragma once
// Errors that cross actor boundaries. A failure in a remote function arrives as a
// RemoteError carrying where it came from and the path it travelled; the specific
// protocol failures have their own types so callers can catch exactly them.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tether/actor/exit.hpp"
#include "tether/actor/identity.hpp"
#include "tether/wire/protocol.hpp"

namespace tether {

/// An error raised by another actor (or relayed by one). Its exit and, for a group, its
/// members arrive as the actor that raised them saw them, however many hops away.
class RemoteError : public std::runtime_error {
 public:
  struct Details {
    wire::ErrorKind kind = wire::ErrorKind::Remote;
    std::string type_name;                  // the C++ type of the original exception
    std::string message;                    // its what()
    ActorIdentity origin;                   // the actor where it was raised
    std::vector<ActorIdentity> relay_path;  // origin first, then every actor it reached
    std::string trace;                      // one line per hop: actor, function, call id
    /// Which actor ended and how, when the error is an exit (ActorExited, BootFailed, a
    /// PeerLost whose process was reaped); its `error` stays empty on the wire.
    std::optional<ActorExit> exit;
    /// For a relayed ErrorGroup: every failure of the group, each with its own origin
    /// and path (the path grows with every hop the group travels).
    std::vector<Details> members;
  };

  explicit RemoteError(Details details);

  wire::ErrorKind kind() const noexcept { return details_.kind; }
  const std::string& type_name() const noexcept { return details_.type_name; }
  const std::string& message() const noexcept { return details_.message; }
  const ActorIdentity& origin() const noexcept { return details_.origin; }
  const std::vector<ActorIdentity>& relay_path() const noexcept { return details_.relay_path; }
  const std::string& trace() const noexcept { return details_.trace; }
  const std::optional<ActorExit>& exit() const noexcept { return details_.exit; }
  /// A relayed group's failures; empty for a single error.
  const std::vector<Details>& members() const noexcept { return details_.members; }
  /// The members as exceptions, each of the type make_remote_error gives it.
  std::vector<std::exception_ptr> member_errors() const;
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
  PeerLost(ActorIdentity peer, const std::string& why, std::optional<ActorExit> exit = {});
  const ActorIdentity& peer() const noexcept { return peer_; }
  /// How the peer's process ended, when this actor reaped it (its child) before failing
  /// what waited on it.
  const std::optional<ActorExit>& exit() const noexcept { return exit_; }

 private:
  ActorIdentity peer_;
  std::optional<ActorExit> exit_;
};

/// A child actor's process ended without being asked to (crash, signal, error exit).
class ActorExited : public std::runtime_error {
 public:
  ActorExited(ActorExit exit, pid_t pid, const std::string& what)
      : std::runtime_error(what), exit_(std::move(exit)), pid_(pid) {}
  const std::string& name() const noexcept { return exit_.actor.name; }
  pid_t pid() const noexcept { return pid_; }
  const ExitStatus& status() const noexcept { return exit_.status; }
  const ActorExit& exit() const noexcept { return exit_; }

 private:
  ActorExit exit_;
  pid_t pid_;
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

/// The exit an error reports, if it reports one: an ActorExited's or BootFailed's, a
/// PeerLost's (reason peer_lost when its process was not reaped), or a RemoteError's as
/// the actor that raised it saw it. Anything else: nullopt.
std::optional<ActorExit> exit_of(const std::exception_ptr& error);

/// Builds the RemoteError subclass that matches `details.kind`.
std::exception_ptr make_remote_error(RemoteError::Details details);

}  // namespace tether
