#pragma once
// Who an actor is: a cluster-unique uid (what routing uses), a human name, and an
// incarnation that tells a restarted actor from its previous life.

#include <cstdint>
#include <string>

#include "tether/wire/actor_ref.hpp"

namespace tether {

namespace wire {
struct ActorId;  // generated from common.fbs; only the runtime reads it
}

struct ActorIdentity {
  std::string uid;
  std::string name;
  std::uint64_t incarnation = 0;

  wire::ActorRef ref() const { return {uid, name, incarnation}; }
  /// "name (uid)", as logs and error messages show an actor.
  std::string display() const { return name + " (" + uid + ")"; }
};

/// A fresh identity: random 64-bit uid (hex), incarnation = start time in ms.
ActorIdentity make_identity(std::string name);

/// Reads an ActorId table (absent fields become empty).
ActorIdentity identity_from_wire(const wire::ActorId* id);

}  // namespace tether
