#include "tether/discovery/registry_endpoint.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "tether/transport/endpoints.hpp"

namespace tether {

std::string default_registry_endpoint() {
  return transport::private_ipc_endpoint("registry");
}

std::string resolve_registry_endpoint(std::string_view configured) {
  std::string chosen(configured);
  if (chosen.empty())
    if (const char* env = std::getenv("TETHER_REGISTRY")) chosen = env;
  if (chosen == "none") return {};
  if (chosen.empty()) chosen = default_registry_endpoint();
  return chosen;
}

std::optional<RegistryHostLock> RegistryHostLock::try_acquire() {
  const auto path = transport::private_runtime_directory() / "registry.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return RegistryHostLock(fd);
}

RegistryHostLock::RegistryHostLock(RegistryHostLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

RegistryHostLock::~RegistryHostLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace tether
