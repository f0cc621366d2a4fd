#pragma once
// The subcommands of `tether`. Each returns the process exit code.

#include <chrono>
#include <string>

namespace tether::cli {

struct RegistryCommand {
  std::string bind;
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds default_lease{3000};
};
int run_registry(const RegistryCommand& command);

struct PsCommand {
  std::string registry;  // empty: resolve_registry_endpoint's rules
  bool json = false;
  std::chrono::milliseconds timeout{5000};
};
int run_ps(const PsCommand& command);

struct CancelCommand {
  std::string registry;
  std::string name;
  std::string uid;  // optional: which of several actors with that name
  std::string name_space;  // optional: only actors registered in this namespace
  std::chrono::milliseconds timeout{15000};
};
int run_cancel(const CancelCommand& command);

}  // namespace tether::cli
