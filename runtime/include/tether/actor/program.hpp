#pragma once
// Program: main() of an actor program. The same executable runs as the root actor or,
// re-executed by an ActorNursery, as a child actor serving its exposed functions.
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   int main(int argc, char** argv) {
//     tether::Program program(argc, argv);
//     program.expose<AddArgs>("add", add);
//     return program.run_root("app", app);   // a child re-enters here and serves
//   }
//
// SIGINT/SIGTERM to the root cancels `main`, which tears the whole tree down.
// Stopping needs no cooperation from a busy loop (DESIGN.md "Semantics" 12): signals are
// taken by a thread of their own, and a stop that overruns its grace (the root's
// ActorOptions::stop_grace; for a child, the term_grace its parent gives it) SIGKILLs
// what is left of the subtree and exits with 128 + the signal. Every actor is a child
// subreaper: the orphans of a child that died mid-teardown re-parent to it and are
// ended there (see ActorNursery).
// Discovery: the root uses `--registry ENDPOINT`, else $TETHER_REGISTRY, else the
// per-user default registry — which the first root to start embeds in its own process
// (see discovery/registry_endpoint.hpp); "none" turns it off. Children use their root's.
// Names: a root's actors find each other in the tree's own namespace unless
// `--namespace NAME` (or $TETHER_NAMESPACE) names an open one (ActorOptions::name_space).
// A child stops (cancelling what it serves, and so its own children) when its parent
// asks, when its parent is lost, or on SIGTERM/SIGINT; PR_SET_PDEATHSIG delivers
// SIGTERM if the parent process dies.
// Command line: a root's options are declared where they are read (number_option(),
// flag()); run_root() then answers --help (usage with defaults, exit 0) and refuses a
// bad value or an unknown option with one line naming it (exit 2) before anything
// starts. Arguments beginning with --tether- are tether's own (a child's argv).
// stdout is line-buffered from construction, so a redirected log shows each line as it
// is printed.
// Lifetime: one Program per process, constructed first thing in main() (a re-executed
// child that does not reach it exits at once with advice) and alive until run_root()
// returns; functions are exposed before run_root(). run_root() owns the loop, the zmq
// context and the root Actor: nothing of them outlives it.
// Cancellation: `main` is cancelled by SIGINT/SIGTERM, `tether cancel` or a lost parent
// (for a child, what it serves is cancelled instead); it then has its stop_grace to
// finish; run_root()'s exit code says how it ended (below).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/actor/actor.hpp"
#include "tether/actor/functions.hpp"
#include "tether/actor/program_options.hpp"

namespace tether {

class Program {
 public:
  Program(int argc, char** argv);

  template <class Args, class Fn>
  Program& expose(std::string name, Fn fn) {
    functions_.expose<Args>(std::move(name), std::move(fn));
    return *this;
  }
  Functions& functions() noexcept { return functions_; }

  /// True when this process was started as a child actor.
  bool is_child() const noexcept { return !parent_endpoint_.empty(); }
  /// The arguments that are not tether's own.
  const std::vector<std::string>& args() const noexcept { return args_; }

  // -- options (see ProgramOptions) --------------------------------------------------
  /// One line about the program, the first line of --help.
  Program& describe(std::string about);
  /// The number given as `--name N` (or `--name=N`), or `fallback` if absent. A value
  /// that is not a decimal number within [spec.min, spec.max] makes run_root() exit 2
  /// naming it (the fallback is returned meanwhile).
  std::uint64_t number_option(std::string_view name, std::uint64_t fallback,
                              const NumberOption& spec = {});
  /// Whether `--name` was given.
  bool flag(std::string_view name, std::string_view help);
  ProgramOptions& options() noexcept { return options_; }

  /// Runs `main(actor)` as the root actor named `name` — or, in a child, serves until
  /// stopped. Returns the process exit code: 0 on success (and after --help), 1 on an
  /// error of `main` (printed), 2 when it cannot start (a bad option, endpoint or
  /// runtime directory: one line on stderr), 128 + the signal after SIGINT/SIGTERM.
  int run_root(std::string name, std::function<task<void>(Actor&)> main, ActorOptions options = {});

  /// Marker arguments a parent passes to its children.
  static constexpr const char* kChildFlag = "--tether-child";

 private:
  /// The root's options: its name, namespace and registry (checked before zmq sees it).
  ActorOptions root_options(std::string name, ActorOptions options) const;
  int run_actor_root(std::string name, std::function<task<void>(Actor&)> main,
                     ActorOptions options);
  int run_child(ActorOptions options);

  Functions functions_;
  std::vector<std::string> args_;
  ProgramOptions options_;
  std::string bad_internal_argument_;  // a --tether-... value our parent got wrong
  std::string parent_endpoint_;
  std::string child_uid_;
  std::string child_name_;
  std::string child_bind_;
  std::string parent_uid_;
  std::string registry_;  // --registry ENDPOINT (root) or --tether-registry= (child)
  std::string name_space_;  // --namespace / TETHER_NAMESPACE (root), --tether-namespace= (child)
  std::string namespace_token_;  // a child's, from its parent's handoff pipe
  long parent_pid_ = 0;
  std::chrono::milliseconds term_grace_{0};  // --tether-term-grace=: what our parent gives
};

}  // namespace tether
