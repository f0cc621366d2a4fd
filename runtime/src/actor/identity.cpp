#include "tether/actor/identity.hpp"

#include <chrono>
#include <random>

#include <fmt/core.h>

namespace tether {

ActorIdentity make_identity(std::string name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {fmt::format("{:016x}", rng()), std::move(name),
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(now).count())};
}

ActorIdentity identity_from_wire(const wire::ActorId* id) {
  if (!id) return {};
  return {id->uid() ? id->uid()->str() : std::string(),
          id->name() ? id->name()->str() : std::string(), id->incarnation()};
}

}  // namespace tether
