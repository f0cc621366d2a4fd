#pragma once
// How an actor ended, as data: the process status the kernel gave, why it ended, and the
// error that ended it. One ActorExit describes a child a nursery reaped, a peer that was
// lost, or an actor whose served call failed; the error codec carries it across hops
// unchanged, so a root learns a grandchild's signal as exactly as its parent did.

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "tether/actor/identity.hpp"

namespace tether {

/// How a process ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int code = -1;   // valid when signal == 0; -1 when unknown or the process still runs
  int signal = 0;  // the terminating signal, or 0
  bool clean() const noexcept { return signal == 0 && code == 0; }
  /// "exited with code 3", "killed by signal 9 (SIGKILL)".
  std::string describe() const;
  static ExitStatus from_wait_status(int status);
};

/// Why an actor ended (the wire's ExitReason, in the same order).
enum class ExitReason : std::uint8_t {
  normal,       // it returned, or exited with code 0
  error,        // its code raised, or its process exited with a non-zero code
  cancelled,    // stopped by its parent or a user
  peer_lost,    // its link was lost (no heartbeats, connection gone)
  killed,       // ended by a signal nobody sent through its parent's ladder
  boot_failed,  // died or hung before finishing the boot handshake
  timeout,      // a deadline expired
};

/// "normal", "error", "cancelled", "peer lost", "killed", "boot failed", "timeout".
std::string_view to_string(ExitReason reason) noexcept;

struct ActorExit {
  ActorIdentity actor;                    // who ended (for a failed call: who served it)
  ExitReason reason = ExitReason::normal;
  ExitStatus status;                      // {-1, 0} when no process ended (a call failed)
  std::exception_ptr error;               // what ended it, when known; may be a RemoteError

  /// The exit of a reaped process: killed, error or normal by its status, or cancelled
  /// when its parent asked it to stop; `link_lost` when it was killed for silence.
  static ActorExit of_process(ActorIdentity actor, ExitStatus status, bool asked_to_stop = false,
                              bool link_lost = false);

  /// "actor w-1 (uid) killed: killed by signal 9 (SIGKILL)".
  std::string describe() const;
};

}  // namespace tether
