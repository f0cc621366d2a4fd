#pragma once
// ActorNursery: a scope that owns child actor *processes* (tractor's actor nursery).
//
// Contract (DESIGN.md "Semantics" 1-5, 12):
// - open_actor_nursery(actor, body) returns only after every child it started has
//   exited and been reaped — and every grandchild a dead child left behind, which this
//   actor adopted as a child subreaper, too.
// - When the body and the tasks it started with start_soon have finished, children
//   still running (start_actor) are stopped through the teardown ladder: Cancel (which
//   tells the child its grace) -> cancel_grace for CancelAck and exit together ->
//   SIGTERM (carrying term_grace) -> term_grace -> SIGKILL -> reap. Each step is
//   bounded. Ladders nest: when this actor is itself being stopped with a deadline,
//   both graces are shrunk to fit inside it.
// - A child that fails — its process dies, or an error reaches the body — cancels the
//   body and every sibling; the nursery then throws an ErrorGroup with every error
//   (ActorExited carries the exit code or signal; RemoteError the origin and path).
// - A child that exits or hangs during boot fails start_actor with BootFailed.
// - Children die with their parent: PR_SET_PDEATHSIG and the link make a child whose
//   parent vanished stop its own subtree and exit within its term_grace, busy or not.
// Lifetime: the ActorNursery and the Portals it returns live inside the body.

#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <vector>

#include "tether/actor/actor.hpp"
#include "tether/actor/child_process.hpp"
#include "tether/base/not_an_aggregate.hpp"
#include "tether/concurrency/nursery.hpp"

namespace tether {

/// Not an aggregate on g++ (see base/not_an_aggregate.hpp): name it, then set fields.
struct SpawnOptions {
  TETHER_NOT_AN_AGGREGATE(SpawnOptions)
  std::string executable;               // default: this program, re-executed as a child
  std::vector<std::string> extra_args;  // appended to the child's argv
  std::vector<std::string> env;         // "NAME=value", added to the child's environment
  std::string log_level;                // TETHER_LOG for the child (default: inherited)
  std::string bind_endpoint;            // the child's inbox (default: private ipc)
  std::chrono::milliseconds boot_timeout{10'000};
  std::chrono::milliseconds cancel_grace{2'000};   // after Cancel, before SIGTERM
  std::chrono::milliseconds term_grace{2'000};     // after SIGTERM, before SIGKILL
  std::function<void(const ExitStatus&)> on_exit;  // observer, called when reaped
  /// Linked (the default): a child that dies unasked fails the nursery (ActorExited).
  /// Monitored (false): its death is only reported (on_exit, PeerLost to its callers);
  /// the owner decides what it means — a worker pool replaces the worker.
  bool exit_is_error = true;
};

class ActorNursery {
 public:
  explicit ActorNursery(Actor& actor);
  ~ActorNursery();
  ActorNursery(const ActorNursery&) = delete;
  ActorNursery& operator=(const ActorNursery&) = delete;

  /// Spawns a long-lived child actor and returns a Portal to it once it has booted.
  task<Portal> start_actor(std::string name, SpawnOptions options);
  // Overloads, not default arguments: g++ 12 destroys a coroutine's defaulted
  // non-trivial argument twice; a plain function building it is safe.
  task<Portal> start_actor(std::string name) {
    return start_actor(std::move(name), SpawnOptions());
  }

  /// Spawns a child, calls `function(args)` in it, stops it, and returns the result.
  template <class Result, class Args>
  task<Result> run_in_actor(std::string name, std::string function, Args args) {
    return run_in_actor<Result>(std::move(name), std::move(function), std::move(args),
                                SpawnOptions());
  }
  template <class Result, class Args>
  task<Result> run_in_actor(std::string name, std::string function, Args args,
                            SpawnOptions options) {
    Portal child = co_await start_actor(std::move(name), std::move(options));
    Result result = co_await child.call<Result>(function, args);
    co_await stop_actor(child.peer().uid);
    co_return result;
  }

  /// Stops one child through the teardown ladder and waits until it is reaped.
  task<void> stop_actor(const std::string& uid);

  /// Runs `work` inside this nursery: its failure fails the nursery like a child's.
  void start_soon(task<void> work);
  /// Cancels the body and every child.
  void cancel();
  std::size_t running_children() const noexcept;
  /// The process id of child `uid`, or -1 if it is not ours.
  pid_t pid_of(const std::string& uid) const noexcept;

  struct Child;

 private:
  // -- for open_actor_nursery ---------------------------------------------------------
  friend task<void> open_actor_nursery(Actor&, std::function<task<void>(ActorNursery&)>);
  void attach(Nursery& supervisors, Nursery& work) {
    tasks_ = &supervisors;
    work_ = &work;
  }
  /// Waits (bounded) until the grandchildren our children left behind, which this
  /// actor adopted as a subreaper, are gone too.
  task<void> wait_for_orphans();
  // -- for the actor core -------------------------------------------------------------
  friend class detail::ActorCore;
  /// Someone asked (`tether cancel`) to stop child `uid`: stops it like stop_actor in the
  /// background and calls `done()` once it is reaped. False if it is not our child.
  bool stop_on_request(const std::string& uid, std::function<void()> done);

  task<void> supervise(Child& child);
  task<void> teardown(Child& child);
  task<void> stop_then(std::string uid, std::function<void()> done);

  Actor& actor_;
  Nursery* tasks_ = nullptr;  // one supervisor task per child
  Nursery* work_ = nullptr;   // the body and what it starts with start_soon
  std::list<Child> children_;
};

/// Runs `body(nursery)` and returns when it and every child process are done.
task<void> open_actor_nursery(Actor& actor, std::function<task<void>(ActorNursery&)> body);

}  // namespace tether
