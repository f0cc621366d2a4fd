// The private runtime directory and the actor socket files in it.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>

#include "tether/base/log.hpp"
#include "tether/base/parse_number.hpp"
#include "tether/transport/endpoints.hpp"

namespace tether::transport {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kUidDigits = 16;     // random_uid()
constexpr std::size_t kMaxPidDigits = 7;   // pid_max is at most 2^22
constexpr std::size_t kMaxNameInFile = 24;  // a name is decoration; the pid and uid identify
constexpr std::string_view kSuffix = ".sock";
// "<pid>-<uid>.sock": an actor's file when its name part has shrunk to nothing.
constexpr std::size_t kShortestActorFile = kMaxPidDigits + 1 + kUidDigits + kSuffix.size();

/// Whether a directory leaves room for every actor's socket file within sun_path.
bool fits(const fs::path& dir) {
  return dir.string().size() + 1 + kShortestActorFile <= max_ipc_path();
}

/// `dir`, created 0700 if missing; throws one line naming it if it is not usable.
fs::path usable(const fs::path& dir, std::string_view hint) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create runtime directory " + dir.string() + ": " +
                             std::strerror(errno) + std::string(hint));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0)
    throw std::runtime_error("runtime directory " + dir.string() +
                             " is not a private directory of this user (want mode 0700, owned "
                             "by us)" + std::string(hint));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("runtime directory " + dir.string() + " is not writable: " +
                             std::strerror(errno) + std::string(hint));
  return dir;
}

/// The pid in an actor's file name ("<name>-<pid>-<uid>.sock"), or 0 if it has none.
pid_t owner_pid(std::string_view file) {
  if (!file.ends_with(kSuffix)) return 0;
  file.remove_suffix(kSuffix.size());
  const auto uid_dash = file.rfind('-');
  if (uid_dash == std::string_view::npos || file.size() - uid_dash - 1 != kUidDigits) return 0;
  file = file.substr(0, uid_dash);
  const auto pid_dash = file.rfind('-');
  auto pid = parse_number(pid_dash == std::string_view::npos ? file : file.substr(pid_dash + 1),
                          {.min = 1, .max = 1u << 22});
  return pid ? static_cast<pid_t>(pid.value()) : 0;
}

/// Whether nobody listens on the unix socket at `path` (a connect is refused).
bool refused(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const bool no_listener =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
      errno == ECONNREFUSED;
  ::close(fd);
  return no_listener;
}

/// Removes the socket files of actors that are gone (SIGKILLed, or from before the
/// files were removed on exit). A file names its owner's pid: stale once that pid is
/// gone, never while it lives, so an actor between bind() and listen() is safe. A file
/// without a pid is stale when a connect is refused. registry.sock is the registry
/// host's: its bind replaces a stale one, under the host lock.
void remove_stale_files(const fs::path& dir) {
  std::error_code ec;
  std::size_t removed = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(kSuffix) || file == "registry.sock" || !entry.is_socket(ec)) continue;
    const pid_t pid = owner_pid(file);
    const bool stale = pid != 0 ? ::kill(pid, 0) != 0 && errno == ESRCH : refused(entry.path());
    if (stale && ::unlink(entry.path().c_str()) == 0) ++removed;
  }
  if (removed > 0)
    log::debug("runtime directory {}: removed {} stale socket file(s)", dir.string(), removed);
}

void remove_stale_files_once(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<fs::path> cleaned;
  std::lock_guard lock(mutex);
  if (cleaned.insert(dir).second) remove_stale_files(dir);
}

}  // namespace

std::string runtime_directory_fallback_reason() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (!xdg || !*xdg) return {};
  const fs::path dir = fs::path(xdg) / "tether";
  if (fits(dir)) return {};
  return "runtime directory " + dir.string() + " is too long for ipc sockets (" +
         std::to_string(dir.string().size()) + " bytes, leaving no room for a socket file " +
         "within the " + std::to_string(max_ipc_path()) + "-byte limit)";
}

std::filesystem::path private_runtime_directory() {
  const fs::path fallback = fs::path("/tmp") / ("tether-" + std::to_string(::geteuid()));
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (!xdg || !*xdg) return usable(fallback, "");
  const std::string too_long = runtime_directory_fallback_reason();
  if (too_long.empty())
    return usable(fs::path(xdg) / "tether",
                  "; set XDG_RUNTIME_DIR to a private directory of yours");
  // Every process of a tree (and tether ps) makes the same choice from the same
  // environment, so they all meet in the fallback.
  try {
    return usable(fallback, "");
  } catch (const std::exception& e) {
    throw std::runtime_error(too_long + ", and " + e.what() +
                             "; set XDG_RUNTIME_DIR to a shorter directory");
  }
}

std::string private_ipc_endpoint(std::string_view name) {
  return "ipc://" + (private_runtime_directory() / (std::string(name) + ".sock")).string();
}

std::string actor_ipc_endpoint(std::string_view name, std::string_view uid) {
  const fs::path dir = private_runtime_directory();
  remove_stale_files_once(dir);
  const std::string tail = "-" + std::to_string(::getpid()) + "-" + std::string(uid) + ".sock";
  const std::size_t used = dir.string().size() + 1 + tail.size();
  const std::size_t room = used < max_ipc_path() ? max_ipc_path() - used : 0;
  std::string part(name.substr(0, std::min({name.size(), kMaxNameInFile, room})));
  std::replace(part.begin(), part.end(), '/', '_');  // a name is not a path
  return "ipc://" + (dir / (part.empty() ? tail.substr(1) : part + tail)).string();
}

}  // namespace tether::transport
