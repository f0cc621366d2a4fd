#include "tether/actor/exit.hpp"

#include <string.h>
#include <sys/wait.h>

#include <fmt/core.h>

#include "tether/concurrency/errors.hpp"

namespace tether {

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return fmt::format("killed by signal {} (SIG{})", signal, name ? name : "?");
  }
  if (code < 0) return "has not exited";
  return fmt::format("exited with code {}", code);
}

ExitStatus ExitStatus::from_wait_status(int status) {
  if (WIFSIGNALED(status)) return {-1, WTERMSIG(status)};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0};
}

std::string_view to_string(ExitReason reason) noexcept {
  switch (reason) {
    case ExitReason::normal: return "normal";
    case ExitReason::error: return "error";
    case ExitReason::cancelled: return "cancelled";
    case ExitReason::peer_lost: return "peer lost";
    case ExitReason::killed: return "killed";
    case ExitReason::boot_failed: return "boot failed";
    case ExitReason::timeout: return "timeout";
  }
  return "unknown";
}

ActorExit ActorExit::of_process(ActorIdentity actor, ExitStatus status, bool asked_to_stop,
                                bool link_lost) {
  ExitReason reason = ExitReason::normal;
  if (link_lost)
    reason = ExitReason::peer_lost;
  else if (asked_to_stop)
    reason = ExitReason::cancelled;
  else if (status.signal != 0)
    reason = ExitReason::killed;
  else if (status.code != 0)
    reason = ExitReason::error;
  return {std::move(actor), reason, status, nullptr};
}

std::string ActorExit::describe() const {
  std::string text = fmt::format("actor {} {}", actor.display(), to_string(reason));
  if (status.signal != 0 || status.code >= 0) text += ": " + status.describe();
  if (error) text += ": " + tether::describe(error);
  return text;
}

}  // namespace tether
