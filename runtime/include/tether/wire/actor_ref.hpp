#pragma once
// ActorRef: an actor identity as plain views, what the encoder writes into an ActorId
// table (common.fbs). Its own header so identities need no generated schema.

#include <cstdint>
#include <string_view>

namespace tether::wire {

/// An actor identity as plain views (no ownership); see ActorId in common.fbs.
struct ActorRef {
  std::string_view uid;
  std::string_view name;
  std::uint64_t incarnation = 0;
};

}  // namespace tether::wire
