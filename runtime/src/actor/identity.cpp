#include "tether/actor/identity.hpp"

#include <chrono>

#include "tether/base/random_id.hpp"
#include "tether/wire/protocol.hpp"

namespace tether {

ActorIdentity make_identity(std::string name) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {random_uid(), std::move(name),
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(now).count())};
}

ActorIdentity identity_from_wire(const wire::ActorId* id) {
  if (!id) return {};
  return {id->uid() ? id->uid()->str() : std::string(),
          id->name() ? id->name()->str() : std::string(), id->incarnation()};
}

}  // namespace tether
