#pragma once
// Program: main() of an actor program. The same executable runs as the root actor or,
// re-executed by an ActorNursery, as a child actor serving its exposed functions.
//
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

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/actor/actor.hpp"
#include "tether/actor/functions.hpp"

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
  /// The number after `name` in args() ("--limit 1000"), or `fallback` if absent.
  /// Throws std::invalid_argument naming the option if it is not a number.
  std::uint64_t number_option(std::string_view name, std::uint64_t fallback) const;

  /// Runs `main(actor)` as the root actor named `name` — or, in a child, serves until
  /// stopped. Returns the process exit code: 0 on success, 1 on an error (printed),
  /// 130 after SIGINT.
  int run_root(std::string name, std::function<task<void>(Actor&)> main, ActorOptions options = {});

  /// Marker arguments a parent passes to its children.
  static constexpr const char* kChildFlag = "--tether-child";

 private:
  int run_child(ActorOptions options);

  Functions functions_;
  std::vector<std::string> args_;
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
