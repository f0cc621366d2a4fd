#include "tether/actor/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/base/descriptors.hpp"
#include "tether/concurrency/cancel_scope.hpp"

extern char** environ;

namespace tether {

namespace {

/// A file descriptor closed with its owner.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const noexcept { return fd_; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// posix_spawn's file actions, destroyed on every path.
struct FileActions {
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t actions;
};

/// The pids ChildProcess started and has not reaped: what is not in here but is our
/// child was adopted (see orphans.hpp).
struct SpawnedPids {
  std::mutex mutex;
  std::set<pid_t> pids;
  void add(pid_t pid) {
    std::lock_guard lock(mutex);
    pids.insert(pid);
  }
  void remove(pid_t pid) {
    std::lock_guard lock(mutex);
    pids.erase(pid);
  }
  bool contains(pid_t pid) {
    std::lock_guard lock(mutex);
    return pids.count(pid) > 0;
  }
};

SpawnedPids& spawned_pids() {
  static SpawnedPids instance;
  return instance;
}

}  // namespace

bool ChildProcess::spawned_here(pid_t pid) {
  return spawned_pids().contains(pid);
}

struct ChildProcess::Watch {
  explicit Watch(const boost::asio::any_io_executor& ex) : pidfd(ex) {}
  boost::asio::posix::stream_descriptor pidfd;  // readable once the process exits
};

std::string take_handoff(int fd) {
  std::string bytes;
  char buffer[512];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      bytes.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int err = errno;
      ::close(fd);
      throw std::system_error(err, std::generic_category(),
                              fmt::format("reading the parent's handoff on fd {}", fd));
    }
  }
  ::close(fd);
  return bytes;
}

namespace {

/// This process's environment with `extra_env` in place of what it names (getenv()
/// would find an inherited value first).
std::vector<std::string> child_environment(const SpawnSpec& spec) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env(spec.extra_env.begin(), spec.extra_env.end());
  for (char** e = environ; *e; ++e)
    if (std::none_of(spec.extra_env.begin(), spec.extra_env.end(),
                     [&](const std::string& x) { return name_of(x) == name_of(*e); }))
      env.emplace_back(*e);
  return env;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

/// The handoff pipe: written in full before the child starts (it fits one pipe buffer),
/// its read end given to the child as kHandoffFd. Returns the read end, which the
/// caller closes once the child is started; none without a handoff.
UniqueFd prepare_handoff(const SpawnSpec& spec, FileActions& file_actions) {
  UniqueFd handoff_read;
  if (!spec.handoff) return handoff_read;
  if (spec.handoff->size() > SpawnSpec::kHandoffMax)
    throw std::invalid_argument("SpawnSpec::handoff is larger than one pipe buffer");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw_if_exhausted(errno, "the pipe for a child's handoff");
    throw std::system_error(errno, std::generic_category(), "pipe for the child's handoff");
  }
  handoff_read.reset(fds[0]);
  UniqueFd handoff_write(fds[1]);
  if (::write(handoff_write.get(), spec.handoff->data(), spec.handoff->size()) !=
      static_cast<ssize_t>(spec.handoff->size()))
    throw std::system_error(errno, std::generic_category(), "writing the child's handoff");
  if (handoff_read.get() == SpawnSpec::kHandoffFd)  // dup2 onto itself keeps O_CLOEXEC
    handoff_read.reset(::fcntl(handoff_read.get(), F_DUPFD_CLOEXEC, 10));
  posix_spawn_file_actions_adddup2(&file_actions.actions, handoff_read.get(),
                                   SpawnSpec::kHandoffFd);
  return handoff_read;
}

/// posix_spawn with default signal dispositions and an empty mask, whatever this
/// process (say, a test runner) blocked or ignored.
pid_t spawn_with_default_signals(const SpawnSpec& spec, FileActions& file_actions) {
  const std::vector<std::string> env = child_environment(spec);
  std::vector<char*> argv = c_strings(spec.argv), envp = c_strings(env);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, spec.executable.c_str(), &file_actions.actions, &attr,
                               argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw_if_exhausted(rc, "starting " + spec.executable);
    throw std::system_error(rc, std::generic_category(), "cannot start " + spec.executable);
  }
  return pid;
}

}  // namespace

ChildProcess::ChildProcess(const boost::asio::any_io_executor& executor, const SpawnSpec& spec)
    : watch_(std::make_unique<Watch>(executor)) {
  // The pidfd, and the handoff pipe while spawning: asked for now, so running out is a
  // DescriptorsExhausted before anything started, not a child killed after.
  reserve_descriptors(spec.handoff ? 3 : 1, "a child process (its pidfd and handoff pipe)");
  FileActions file_actions;
  const UniqueFd handoff_read = prepare_handoff(spec, file_actions);
  pid_ = spawn_with_default_signals(spec, file_actions);
  spawned_pids().add(pid_);

  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) {
    const int err = errno;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    spawned_pids().remove(pid_);
    throw_if_exhausted(err, "a child's pidfd");
    throw std::system_error(err, std::generic_category(), "pidfd_open");
  }
  watch_->pidfd.assign(pidfd);
}

ChildProcess::~ChildProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) status_ = ExitStatus::from_wait_status(status);
  }
  if (pid_ > 0) spawned_pids().remove(pid_);
}

bool ChildProcess::try_reap() noexcept {
  if (status_) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  status_ = ExitStatus::from_wait_status(status);
  spawned_pids().remove(pid_);
  watch_->pidfd.close();
  return true;
}

task<ExitStatus> ChildProcess::wait() {
  while (!try_reap())
    co_await watch_->pidfd.async_wait(boost::asio::posix::descriptor_base::wait_read,
                                      boost::asio::use_awaitable);
  co_return *status_;
}

task<std::optional<ExitStatus>> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  auto status = co_await move_on_after(timeout, wait());
  co_return status;
}

Subscription ChildProcess::notify_on_exit(std::function<void()> callback) {
  if (status_) {
    callback();
    return {};
  }
  // Shared with the wait's handler, which may run after both this and the
  // Subscription are gone (a completed wait is queued; closing cannot recall it).
  auto slot = std::make_shared<std::function<void()>>(std::move(callback));
  watch_->pidfd.async_wait(boost::asio::posix::descriptor_base::wait_read,
                           [slot](boost::system::error_code ec) {
                             if (!ec && *slot) std::exchange(*slot, nullptr)();
                           });
  return Subscription([slot] { *slot = nullptr; });
}

void ChildProcess::signal(int sig) noexcept {
  if (!status_ && pid_ > 0) ::kill(pid_, sig);
}

void ChildProcess::terminate(std::chrono::milliseconds grace) noexcept {
  if (status_ || pid_ <= 0) return;
  sigval value{};
  value.sival_int = static_cast<int>(std::min<std::int64_t>(grace.count(), INT32_MAX));
  ::sigqueue(pid_, SIGTERM, value);
}

}  // namespace tether
