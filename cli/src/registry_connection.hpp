#pragma once
// What every client subcommand needs: a loop, and a connection to the registry.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "tether/discovery/registry_client.hpp"

namespace tether::cli {

/// What a command's --timeout-ms bounds: each step (reaching the registry, and each
/// request the body makes, one by one), or the whole command, however many steps.
enum class Bound { each_step, whole_command };

/// Connects to the registry (`configured`, else $TETHER_REGISTRY, else the per-user
/// default), runs `body(client, context)` and returns 0 — or prints what went wrong
/// (prefixed with `who`) and returns 1; returns 2 when there is nothing to connect to (a
/// malformed endpoint, an unusable runtime directory). `timeout` bounds as `bound` says;
/// a registry that never answers (a stopped process) fails with "no registry answered".
int run_with_registry(const std::string& configured, std::chrono::milliseconds timeout,
                      Bound bound, std::string_view who,
                      std::function<task<void>(RegistryClient&, zmq::context_t&)> body);

}  // namespace tether::cli
