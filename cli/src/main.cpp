// tether: run a registry, look at a cluster, stop an actor.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace tether::cli;
  CLI::App app{"tether: structured concurrency across processes and hosts"};
  app.require_subcommand(1);

  RegistryCommand registry;
  long registry_heartbeat_ms = 1000, registry_lease_ms = 3000;
  auto* registry_cmd = app.add_subcommand("registry", "run a registry service");
  registry_cmd->add_option("--bind", registry.bind, "endpoint to bind (tcp://HOST:PORT or ipc://PATH)")
      ->required();
  registry_cmd->add_option("--heartbeat-ms", registry_heartbeat_ms, "heartbeat interval")
      ->check(CLI::Range(10, 60'000));
  registry_cmd->add_option("--lease-ms", registry_lease_ms, "lease when a client asks for none")
      ->check(CLI::Range(100, 3'600'000));

  PsCommand ps;
  long ps_timeout_ms = 5000;
  auto* ps_cmd = app.add_subcommand("ps", "show the live cluster as a tree");
  ps_cmd->add_option("--registry", ps.registry,
                     "registry endpoint (default: $TETHER_REGISTRY, else this user's default)");
  ps_cmd->add_flag("--json", ps.json, "print JSON for scripts");
  ps_cmd->add_option("--timeout-ms", ps_timeout_ms, "bound on the whole command")
      ->check(CLI::Range(1, 600'000));

  CancelCommand cancel;
  long cancel_timeout_ms = 15000;
  auto* cancel_cmd =
      app.add_subcommand("cancel", "ask an actor's parent to stop it (Cancel, SIGTERM, SIGKILL)");
  cancel_cmd->add_option("name", cancel.name, "the actor's registered name")->required();
  cancel_cmd->add_option("--uid", cancel.uid, "which actor, when several share the name");
  cancel_cmd->add_option("--namespace", cancel.name_space,
                         "only an actor in this namespace (as `tether ps` shows it)");
  cancel_cmd->add_option("--registry", cancel.registry, "registry endpoint");
  cancel_cmd->add_option("--timeout-ms", cancel_timeout_ms, "bound on each step (reach the registry, connect, stop)")
      ->check(CLI::Range(1, 600'000));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError too, with exit code 0: CLI11 prints the usage.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    // One line naming the bad value; 2, like every usage error of tether's programs.
    std::fprintf(stderr, "tether: %s (see tether --help)\n", e.what());
    return 2;
  }

  if (*registry_cmd) {
    registry.heartbeat = std::chrono::milliseconds(registry_heartbeat_ms);
    registry.default_lease = std::chrono::milliseconds(registry_lease_ms);
    return run_registry(registry);
  }
  if (*ps_cmd) {
    ps.timeout = std::chrono::milliseconds(ps_timeout_ms);
    return run_ps(ps);
  }
  cancel.timeout = std::chrono::milliseconds(cancel_timeout_ms);
  return run_cancel(cancel);
}
