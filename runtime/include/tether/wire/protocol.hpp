#pragma once
// Protocol versioning and the generated wire types. Including this header gives the
// whole schema (schemas/*.fbs) as tether::wire::*.

#include <cstdint>

#include "tether/wire/envelope_generated.h"

namespace tether::wire {

/// Version spoken by this build, and the oldest peer version it still accepts.
/// Bump kProtocolVersion for every schema change peers must know about.
/// 2: streams batch items (Yield.more), which a version-1 peer would silently drop, and
///    ErrorKind::UnknownPeer.
inline constexpr std::uint16_t kProtocolVersion = 2;
inline constexpr std::uint16_t kMinProtocolVersion = 2;

/// True when `type` is a Body member this build knows (newer peers may send others).
constexpr bool is_known_body(Body type) noexcept {
  return type != Body::NONE &&
         static_cast<std::uint8_t>(type) <= static_cast<std::uint8_t>(Body::MAX);
}

/// True when a peer advertising [min_version, version] can talk to us.
constexpr bool versions_compatible(std::uint16_t peer_min, std::uint16_t peer_version) noexcept {
  return peer_version >= kMinProtocolVersion && peer_min <= kProtocolVersion;
}

}  // namespace tether::wire
