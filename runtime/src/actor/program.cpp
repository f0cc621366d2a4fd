#include "tether/actor/program.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "actor_core.hpp"
#include "discovery/registry_host.hpp"
#include "reexec_guard.hpp"
#include "signal_watch.hpp"
#include "tether/actor/child_process.hpp"
#include "tether/base/descriptors.hpp"
#include "tether/base/log.hpp"
#include "tether/base/parse_number.hpp"
#include "tether/discovery/registry_endpoint.hpp"
#include "tether/transport/endpoints.hpp"
#include "transport/zmq_open.hpp"

namespace tether {

namespace asio = boost::asio;

namespace {

bool take(std::string_view arg, std::string_view key, std::string& out) {
  if (arg.rfind(key, 0) != 0) return false;
  out = std::string(arg.substr(key.size()));
  return true;
}

/// What a setup failure says: running out of descriptors in asio's or zmq's own words
/// ("epoll: Too many open files") becomes DescriptorsExhausted's, which names the limit.
std::string setup_failure(const std::exception& e) {
  int error = 0;
  if (const auto* system = dynamic_cast<const std::system_error*>(&e))
    error = system->code().value();
  if (const auto* zmq = dynamic_cast<const zmq::error_t*>(&e)) error = zmq->num();
  if (is_descriptor_exhaustion(error))
    return DescriptorsExhausted("the event loop and its sockets", error == ENFILE).what();
  return e.what();
}

/// The first message of `group` if every error is a DescriptorsExhausted.
std::optional<std::string> all_descriptors_exhausted(const ErrorGroup& group) {
  std::optional<std::string> first;
  for (const auto& e : group.errors()) {
    try {
      std::rethrow_exception(e);
    } catch (const DescriptorsExhausted& exhausted) {
      if (!first) first = exhausted.what();
    } catch (...) {
      return std::nullopt;
    }
  }
  return first;
}

/// Prints a failure the way a user needs it: every error of a group, with origins.
void report(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ErrorGroup& group) {
    if (const auto first = all_descriptors_exhausted(group)) {
      // Every child failed for the one reason: one line says it (and names the limit).
      std::fprintf(stderr, "tether: %s (%zu failures)\n", first->c_str(), group.size());
      return;
    }
    std::fprintf(stderr, "tether: %zu error(s):\n", group.size());
    for (const auto& e : group.errors()) {
      std::fprintf(stderr, "  - %s\n", describe(e).c_str());
      try {
        std::rethrow_exception(e);
      } catch (const RemoteError& remote) {
        if (!remote.trace().empty()) std::fprintf(stderr, "    %s\n", remote.trace().c_str());
        for (const auto& member : remote.members())
          std::fprintf(stderr, "    - %s\n", RemoteError(member).what());
      } catch (...) {
      }
      if (const auto exit = exit_of(e)) std::fprintf(stderr, "    %s\n", exit->describe().c_str());
    }
  } catch (...) {
    std::fprintf(stderr, "tether: %s\n", describe(error).c_str());
  }
}

}  // namespace

Program::Program(int argc, char** argv)
    : options_(argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "program", {}) {
  // Headroom before anything opens a descriptor: a soft limit below the hard one is
  // only a default, and libzmq aborts where it runs out (tether/base/descriptors.hpp).
  (void)raise_descriptor_limit();
  // Results and progress lines reach a redirected log as they happen, not at exit.
  std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
  std::string pid;
  std::string term_grace;
  std::string handoff_fd;
  bool child = false;
  std::vector<std::string> user_args;  // what the program's own options may take
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == kChildFlag) {
      child = true;
    } else if (a == "--registry" && i + 1 < argc) {
      registry_ = argv[++i];
    } else if (a == "--namespace" && i + 1 < argc) {
      name_space_ = argv[++i];
    } else if (take(a, "--tether-parent=", parent_endpoint_) ||
               take(a, "--tether-uid=", child_uid_) || take(a, "--tether-name=", child_name_) ||
               take(a, "--tether-parent-pid=", pid) || take(a, "--tether-bind=", child_bind_) ||
               take(a, "--tether-parent-uid=", parent_uid_) ||
               take(a, "--tether-term-grace=", term_grace) ||
               take(a, "--tether-namespace=", name_space_) ||
               take(a, "--tether-handoff-fd=", handoff_fd) ||
               take(a, "--namespace=", name_space_) ||
               take(a, "--tether-registry=", registry_) || take(a, "--registry=", registry_)) {
    } else {
      args_.emplace_back(a);
      if (!a.starts_with("--tether-")) user_args.emplace_back(a);
    }
  }
  options_ = ProgramOptions(options_.program(), std::move(user_args));
  if (child) detail::claim_spawned_child();
  if (!child) parent_endpoint_.clear();
  auto internal = [&](std::string_view key, const std::string& text) -> std::uint64_t {
    if (text.empty()) return 0;
    auto value = parse_number(text, {.max = std::numeric_limits<std::int32_t>::max()});
    if (value) return value.value();
    if (bad_internal_argument_.empty())
      bad_internal_argument_ = std::string(key) + " '" + text + "' " + value.error();
    return 0;
  };
  parent_pid_ = static_cast<long>(internal("--tether-parent-pid", pid));
  term_grace_ = std::chrono::milliseconds(internal("--tether-term-grace", term_grace));
  if (child && !handoff_fd.empty())
    namespace_token_ = take_handoff(static_cast<int>(internal("--tether-handoff-fd", handoff_fd)));
  if (!child && name_space_.empty())
    if (const char* env = std::getenv("TETHER_NAMESPACE")) name_space_ = env;
}

Program& Program::describe(std::string about) {
  options_.describe(std::move(about));
  return *this;
}

std::uint64_t Program::number_option(std::string_view name, std::uint64_t fallback,
                                     const NumberOption& spec) {
  return options_.number(name, fallback, spec);
}

bool Program::flag(std::string_view name, std::string_view help) {
  return options_.flag(name, help);
}

int Program::run_root(std::string name, std::function<task<void>(Actor&)> main,
                      ActorOptions options) {
  const std::string& program = options_.program();
  if (is_child()) {
    if (!bad_internal_argument_.empty() || options_.bad_value()) {
      log::error("pid {}: cannot start as a child actor: {}", ::getpid(),
                 bad_internal_argument_.empty() ? *options_.bad_value() : bad_internal_argument_);
      return 2;
    }
    try {
      return run_child(std::move(options));
    } catch (const std::exception& e) {
      // Raised before the child served anything: its parent sees BootFailed with this code.
      log::error("pid {}: cannot start as a child actor: {}", ::getpid(), setup_failure(e));
      return 2;
    }
  }
  options_.document("--registry ENDPOINT",
                    "the registry to join; default $TETHER_REGISTRY, else this user's own "
                    "(\"none\": no discovery)");
  options_.document("--namespace NAME",
                    "an open namespace for this tree's names, shared with every program "
                    "that names it; default $TETHER_NAMESPACE, else the tree's own (closed)");
  if (options_.help_requested()) {
    std::fputs(options_.usage().c_str(), stdout);
    return 0;
  }
  std::optional<std::string> usage_error = options_.bad_value();
  if (!usage_error)
    if (auto unknown = options_.unknown_option()) usage_error = "unknown option '" + *unknown + "'";
  if (usage_error) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", program.c_str(), usage_error->c_str(),
                 program.c_str());
    return 2;
  }
  try {
    return run_actor_root(std::move(name), std::move(main), std::move(options));
  } catch (const std::exception& e) {
    // Only setup throws out of the loop (main's own errors are reported as exit 1).
    std::fprintf(stderr, "%s: cannot start: %s\n", program.c_str(), setup_failure(e).c_str());
    return 2;
  }
}

namespace {

/// How a root stops: SIGINT/SIGTERM or a stop request cancels `main` — only main: the
/// actor still serves, so the tree is torn down and a stop request is acknowledged.
struct RootStop {
  CancelScope main_scope;
  int signalled = 0;  // the first signal, which sets the exit code
  const Actor* actor = nullptr;

  void on_signal(int sig) {
    if (signalled) return;
    signalled = sig;
    log::info("actor {}: {} received; cancelling", actor->identity().display(),
              sig == SIGINT ? "SIGINT" : "SIGTERM");
    main_scope.cancel();
  }
};

/// A stop request (`tether cancel`) works like SIGTERM, within the deadline it gives.
task<void> stop_when_asked(detail::ActorCore& core, detail::SignalWatch& signal_watch,
                           RootStop& stop, std::chrono::milliseconds stop_grace) {
  co_await core.wait_for_stop_request();
  signal_watch.arm(
      core.stop_deadline().value_or(detail::SignalWatch::hard_deadline(stop_grace)), SIGTERM);
  stop.on_signal(SIGTERM);
}

/// `main` under the root's stop, then the stop's acknowledgement (however main ended).
task<void> root_main(detail::ActorCore& core, Actor& actor, RootStop& stop,
                     const std::function<task<void>(Actor&)>& main,
                     std::chrono::milliseconds ack_bound) {
  co_await with_cleanup(stop.main_scope.run(main(actor)), [&]() -> task<void> {
    if (core.stop_was_requested_by_peer()) co_await core.acknowledge_stop(ack_bound);
    co_await core.await_stop_acks_delivered();
  });
}

}  // namespace

ActorOptions Program::root_options(std::string name, ActorOptions options) const {
  options.name = std::move(name);
  if (options.name_space.empty()) options.name_space = name_space_;  // empty: the tree's own
  // Zero-config discovery: the first root of this user hosts the default registry.
  options.registry =
      resolve_registry_endpoint(options.registry.empty() ? registry_ : options.registry);
  if (!options.registry.empty()) transport::check_endpoint(options.registry);  // before zmq
  return options;
}

int Program::run_actor_root(std::string name, std::function<task<void>(Actor&)> main,
                            ActorOptions options) {
  // Orphans of a child that dies mid-teardown re-parent to us, and we end them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  asio::io_context io{1};
  // SIGINT/SIGTERM cancel main; its actor nurseries then tear the tree down. Taken off
  // the loop, with a hard deadline (stop_grace), before any other thread exists.
  RootStop stop;
  detail::SignalWatch signal_watch(
      io.get_executor(), options.stop_grace,
      [&](int sig, std::chrono::milliseconds) { stop.on_signal(sig); });
  zmq::context_t context = transport::open_context();
  if (const auto why = transport::runtime_directory_fallback_reason(); !why.empty())
    log::warn("{}; using {}", why, transport::private_runtime_directory().string());
  options = root_options(std::move(name), std::move(options));
  // Off our loop, and taken over by another root if we die (registry_host.hpp); it
  // outlives the actor, so the actor deregisters before it stops.
  std::optional<detail::RegistryHost> registry_host;
  if (options.registry == default_registry_endpoint())
    registry_host.emplace(context, options.registry);
  Actor actor(io.get_executor(), context, functions_, options);
  log::set_identity(actor.identity().name, actor.identity().uid);
  detail::ActorCore& core = *actor.core_;
  core.set_stop_handled_by_owner();  // stop_when_asked
  stop.actor = &actor;

  asio::co_spawn(io, stop_when_asked(core, signal_watch, stop, options.stop_grace),
                 asio::detached);
  std::exception_ptr failure;
  asio::co_spawn(io, actor.run(root_main(core, actor, stop, main, options.cancel_ack_timeout)),
                 [&](std::exception_ptr e) {
                   failure = e;
                   io.stop();  // the socket pumps would keep the loop alive until the Actor
                               // closes them
                 });
  io.run();
  if (stop.signalled) return 128 + stop.signalled;
  if (failure) {
    report(failure);
    return 1;
  }
  return 0;
}

int Program::run_child(ActorOptions options) {
  // If the parent process dies, the kernel tells us at once (our signal thread takes it).
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (parent_pid_ != 0 && ::getppid() != parent_pid_) return 2;  // it died before prctl
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  options.name = child_name_;
  if (term_grace_.count() > 0) options.stop_grace = term_grace_;
  options.uid = child_uid_;
  options.parent_uid = parent_uid_;
  options.name_space = name_space_;
  options.namespace_token = namespace_token_;
  if (options.registry.empty()) options.registry = registry_;
  if (!child_bind_.empty()) options.bind_endpoint = child_bind_;
  asio::io_context io{1};
  detail::ActorCore* core_ptr = nullptr;
  // SIGTERM (our parent's ladder, or PR_SET_PDEATHSIG) and SIGINT: the same path as a
  // stop request, with the grace the sender gives; past it the watch ends the subtree.
  detail::SignalWatch signal_watch(
      io.get_executor(), options.stop_grace, [&](int sig, std::chrono::milliseconds grace) {
        const bool orphaned = parent_pid_ != 0 && ::getppid() != parent_pid_;
        log::info("pid {}: {}{}; stopping within {} ms", ::getpid(),
                  sig == SIGINT ? "SIGINT" : "SIGTERM", orphaned ? " (our parent died)" : "",
                  grace.count());
        if (core_ptr) core_ptr->request_stop(detail::SignalWatch::graceful_deadline(grace));
      });
  zmq::context_t context = transport::open_context();
  Actor actor(io.get_executor(), context, functions_, options);
  log::set_identity(actor.identity().name, actor.identity().uid);
  detail::ActorCore& core = *actor.core_;
  core.set_stop_handled_by_owner();  // child_main below
  core_ptr = &core;

  int exit_code = 0;
  // A named closure: it must outlive the coroutine that reads its captures.
  auto child_main = [&]() -> task<void> {
    (void)co_await core.boot_as_child(parent_endpoint_, options.connect_timeout);
    co_await core.wait_for_stop_request();
    // However we were asked, the stop ends by its deadline even if this loop stalls.
    const auto deadline = core.stop_deadline().value_or(
        detail::SignalWatch::graceful_deadline(options.stop_grace));
    signal_watch.arm(deadline + std::chrono::milliseconds(20), SIGTERM);
    // Our subtree lives in the calls we serve (their actor nurseries): cancel them and
    // wait, bounded, so grandchildren are reaped before we report back.
    co_await core.cancel_serving_calls(std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - detail::Clock::now())));
    co_await core.acknowledge_stop(options.cancel_ack_timeout);
    if (!core.stop_was_requested_by_peer()) exit_code = 3;  // parent lost or signalled
  };
  asio::co_spawn(io, actor.run(child_main()), [&](std::exception_ptr e) {
    if (e) {
      log::error("actor {}: {}", actor.identity().display(), tether::describe(e));
      exit_code = 1;
    }
    io.stop();
  });
  io.run();
  return exit_code;
}

}  // namespace tether
