#pragma once
// What every client subcommand needs: a loop, and a connection to the registry.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "tether/discovery/registry_client.hpp"

namespace tether::cli {

/// Connects to the registry (`configured`, else $TETHER_REGISTRY, else the per-user
/// default), runs `body(client, context)` and returns 0 — or prints what went wrong
/// (prefixed with `who`) and returns 1; returns 2 when there is nothing to connect to (a
/// malformed endpoint, an unusable runtime directory). Connecting is bounded by `timeout`.
int run_with_registry(const std::string& configured, std::chrono::milliseconds timeout,
                      std::string_view who,
                      std::function<task<void>(RegistryClient&, zmq::context_t&)> body);

}  // namespace tether::cli
