#include "orphans.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tether/actor/child_process.hpp"
#include "tether/actor/process_table.hpp"
#include "tether/base/log.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace tether::detail {

namespace asio = boost::asio;

struct Orphans::State : std::enable_shared_from_this<Orphans::State> {
  explicit State(const asio::any_io_executor& ex) : executor(ex), none_left(ex) {
    none_left.set();
  }
  struct Adoptee {
    Adoptee(const asio::any_io_executor& ex) : pidfd(ex), kill_timer(ex) {}
    asio::posix::stream_descriptor pidfd;
    asio::steady_timer kill_timer;
  };
  asio::any_io_executor executor;
  std::map<pid_t, std::unique_ptr<Adoptee>> adopted;
  Event none_left;
  std::chrono::milliseconds grace{0};

  void adopt(pid_t pid);
  void reaped(pid_t pid);
  void sweep();
};

void Orphans::State::sweep() {
  for (const pid_t pid : children_of(::getpid())) {
    if (adopted.count(pid) || ChildProcess::spawned_here(pid)) continue;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) continue;  // it had exited already
    adopt(pid);
  }
}

void Orphans::State::adopt(pid_t pid) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {  // gone between the scan and now: reap it if it is ours
    int status = 0;
    (void)::waitpid(pid, &status, WNOHANG);
    return;
  }
  log::warn("pid {}: adopted orphan {} (its parent died without stopping it); stopping it",
            ::getpid(), pid);
  ::kill(pid, SIGTERM);
  auto adoptee = std::make_unique<Adoptee>(executor);
  adoptee->pidfd.assign(fd);
  std::weak_ptr<State> weak = shared_from_this();
  adoptee->pidfd.async_wait(asio::posix::descriptor_base::wait_read,
                            [weak, pid](boost::system::error_code ec) {
                              if (auto self = weak.lock(); self && !ec) self->reaped(pid);
                            });
  adoptee->kill_timer.expires_after(grace);
  adoptee->kill_timer.async_wait([pid, weak](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec && self->adopted.count(pid)) ::kill(pid, SIGKILL);
  });
  adopted.emplace(pid, std::move(adoptee));
  none_left.reset();
}

void Orphans::State::reaped(pid_t pid) {
  int status = 0;
  (void)::waitpid(pid, &status, 0);  // it exited: this does not block
  adopted.erase(pid);
  sweep();  // its own children are ours now
  if (adopted.empty()) none_left.set();
}

Orphans::Orphans(const asio::any_io_executor& executor)
    : state_(std::make_shared<State>(executor)) {}

Orphans::~Orphans() {
  for (auto& [pid, adoptee] : state_->adopted) {
    ::kill(pid, SIGKILL);
    int status = 0;
    (void)::waitpid(pid, &status, 0);
  }
}

void Orphans::sweep(std::chrono::milliseconds grace) {
  state_->grace = grace;
  state_->sweep();
}

task<void> Orphans::wait_all() {
  auto state = state_;
  // SIGKILL at `grace` after adoption; the margin covers reaping and late adoptees.
  (void)co_await move_on_after(state->grace + std::chrono::seconds(1), state->none_left.wait());
}

std::size_t Orphans::adopted() const noexcept {
  return state_->adopted.size();
}

}  // namespace tether::detail
