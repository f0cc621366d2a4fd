#include "registry_host.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/base/log.hpp"
#include "tether/concurrency/errors.hpp"
#include "tether/discovery/registry_endpoint.hpp"
#include "tether/registry/registry_service.hpp"

namespace tether::detail {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kIpc = "ipc://";

/// Whether something accepts connections on the unix socket at `path` now. A file
/// nobody listens on (its host was killed) refuses; a missing one is not there.
bool someone_listens(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const bool accepted = ::connect(fd, reinterpret_cast<const sockaddr*>(&address),
                                  sizeof address) == 0 ||
                        errno == EAGAIN;  // a listener with a full backlog
  ::close(fd);
  return accepted;
}

/// The lock if it is free; a runtime directory gone bad is said once and tried again.
std::optional<RegistryHostLock> try_lock(bool& warned) {
  try {
    return RegistryHostLock::try_acquire();
  } catch (const std::exception& e) {
    if (!std::exchange(warned, true)) log::warn("registry host: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace

RegistryHost::RegistryHost(zmq::context_t& context, std::string endpoint,
                           std::chrono::milliseconds retry)
    : context_(context), endpoint_(std::move(endpoint)), retry_(retry) {
  auto decided = first_attempt_.get_future();
  thread_ = std::thread([this] {
    asio::co_spawn(io_, keep_hosted(),
                   asio::bind_cancellation_slot(stop_.slot(), [this](std::exception_ptr e) {
                     if (e && !is_cancellation(e))
                       log::error("registry host: stopped: {}", describe(e));
                     first_attempt_done();
                     io_.stop();  // closed sockets' pumps would keep the loop alive
                   }));
    io_.run();
  });
  decided.wait();  // bounded: one flock and, if it is ours, one bind
}

RegistryHost::~RegistryHost() {
  // The cancellation signal belongs to the host thread: emit it there.
  asio::post(io_, [this] { stop_.emit(asio::cancellation_type::terminal); });
  thread_.join();
}

void RegistryHost::first_attempt_done() {
  if (!std::exchange(first_attempt_reported_, true)) first_attempt_.set_value();
}

task<void> RegistryHost::keep_hosted() {
  asio::steady_timer pause(io_);
  bool warned = false;
  for (;;) {
    {
      // Held for as long as we serve; released only after the socket and its file are
      // gone (serve_while_locked's frame ends first).
      const std::optional<RegistryHostLock> lock = try_lock(warned);
      if (lock) co_await serve_while_locked();
    }
    first_attempt_done();
    pause.expires_after(retry_);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

task<void> RegistryHost::serve_while_locked() {
  const bool taking_over = first_attempt_reported_;
  if (endpoint_.starts_with(kIpc)) {
    const std::string path = endpoint_.substr(kIpc.size());
    if (someone_listens(path)) {
      // Keep the lock, so only we look (and seldom): binding would steal its path.
      log::info("registry host: a registry we do not host answers at {}; joining it",
                endpoint_);
      first_attempt_done();
      asio::steady_timer recheck(io_);
      while (someone_listens(path)) {
        recheck.expires_after(retry_ * 5);
        co_await recheck.async_wait(asio::use_awaitable);
      }
    }
    ::unlink(path.c_str());  // a killed host's file: nobody listens on it
  }
  std::optional<registry::RegistryService> service;
  try {
    service.emplace(io_.get_executor(), context_,
                    registry::RegistryServiceOptions{.bind_endpoint = endpoint_});
  } catch (const std::exception& e) {
    if (std::exchange(bind_problem_, e.what()) != e.what())  // said once, not every retry
      log::warn("registry host: cannot serve {}: {}", endpoint_, e.what());
    co_return;  // the lock goes with this attempt; the next one may fare better
  }
  bind_problem_.clear();
  log::info("{}hosting the registry at {} (on a thread of its own)",
            taking_over ? "taking over: " : "", endpoint_);
  first_attempt_done();
  try {
    co_await service->run();
  } catch (...) {
    if (is_cancellation(std::current_exception())) throw;
    log::error("registry host: the registry failed: {}", describe(std::current_exception()));
  }
}

}  // namespace tether::detail
