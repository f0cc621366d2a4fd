#pragma once
// Where a root actor finds its registry (the zero-config default, DESIGN.md "Registry"):
//   1. an endpoint given explicitly (ActorOptions::registry, `--registry ENDPOINT`),
//   2. else $TETHER_REGISTRY,
//   3. else the per-user default, ipc://<private runtime dir>/registry.sock — served by
//      whichever root actor holds RegistryHostLock, on a thread of its own; when that
//      root ends another running root takes over (runtime/src/discovery/registry_host.hpp).
// The word "none" (as option or variable) turns discovery off.

#include <optional>
#include <string>
#include <string_view>

namespace tether {

/// ipc://<private runtime directory>/registry.sock
std::string default_registry_endpoint();

/// Applies the rules above; empty means no registry.
std::string resolve_registry_endpoint(std::string_view configured);

/// The right to embed the per-user default registry: an exclusive flock on
/// <private runtime directory>/registry.lock. The kernel releases it when the holder
/// dies, so a crashed host never blocks the next root from taking over.
class RegistryHostLock {
 public:
  /// The lock if no other live process holds it.
  static std::optional<RegistryHostLock> try_acquire();
  RegistryHostLock(RegistryHostLock&& other) noexcept;
  RegistryHostLock& operator=(RegistryHostLock&&) = delete;
  ~RegistryHostLock();

 private:
  explicit RegistryHostLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tether
