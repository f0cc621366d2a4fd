#pragma once
// The cluster as `tether ps` shows it: registry entries arranged by parent links.

#include <cstdint>
#include <string>
#include <vector>

#include "tether/discovery/registry_client.hpp"

namespace tether::cli {

/// A tree, parents before children, siblings by start time. Actors whose parent is not
/// registered are roots.
std::string format_tree(const std::vector<ActorRecord>& actors, std::uint64_t now_unix_ms);

/// {"registry": ..., "actors": [{name, uid, incarnation, parent, host, pid, endpoints,
/// tags, started_unix_ms, uptime_ms, children: [uid...]}]}
std::string format_json(const std::vector<ActorRecord>& actors, const std::string& registry,
                        std::uint64_t now_unix_ms);

}  // namespace tether::cli
