#include <chrono>
#include <cstdio>

#include "cluster_view.hpp"
#include "commands.hpp"
#include "registry_connection.hpp"

namespace tether::cli {

int run_ps(const PsCommand& command) {
  std::string output;
  const int code = run_with_registry(
      command.registry, command.timeout, Bound::whole_command, "tether ps",
      [&](RegistryClient& client, zmq::context_t&) -> task<void> {
        const auto actors = co_await client.list();
        const auto now = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
        output = command.json ? format_json(actors, client.endpoint(), now)
                              : format_tree(actors, now);
      });
  std::fputs(output.c_str(), stdout);
  return code;
}

}  // namespace tether::cli
