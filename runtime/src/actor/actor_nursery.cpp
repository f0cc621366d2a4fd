#include "tether/actor/actor_nursery.hpp"

#include <signal.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/core.h>

#include "actor_core.hpp"
#include "reexec_guard.hpp"
#include "tether/actor/program.hpp"
#include "tether/base/log.hpp"

namespace tether {

namespace asio = boost::asio;

struct ActorNursery::Child {
  std::string name;
  std::string uid;
  SpawnOptions options;
  std::unique_ptr<ChildProcess> process;
  TaskHandle supervisor;
  bool stop_requested = false;
  bool link_lost = false;
  bool exit_reported = false;
  std::uint64_t incarnation = 0;  // as its Hello said
  ActorIdentity identity() const { return {uid, name, incarnation}; }
  void report_exit(const ExitStatus& status) {
    if (exit_reported) return;
    exit_reported = true;
    if (options.on_exit) options.on_exit(status);
  }
};

namespace {

SpawnSpec spawn_spec(const detail::ActorCore& core, const std::string& name, const std::string& uid,
                     const SpawnOptions& options) {
  SpawnSpec spec;
  spec.executable = options.executable.empty()
                        ? std::filesystem::read_symlink("/proc/self/exe").string()
                        : options.executable;
  spec.argv = {spec.executable,
               Program::kChildFlag,
               "--tether-parent=" + core.endpoint(),
               "--tether-parent-pid=" + std::to_string(::getpid()),
               "--tether-uid=" + uid,
               "--tether-name=" + name,
               "--tether-term-grace=" + std::to_string(options.term_grace.count())};
  spec.argv.push_back("--tether-parent-uid=" + core.identity().uid);
  // The child lives in our namespace; its proof comes through a pipe, not argv.
  spec.argv.push_back("--tether-namespace=" + core.options().name_space);
  spec.argv.push_back("--tether-handoff-fd=" + std::to_string(SpawnSpec::kHandoffFd));
  spec.handoff = core.options().namespace_token;
  if (!core.options().registry.empty())
    spec.argv.push_back("--tether-registry=" + core.options().registry);
  if (!options.bind_endpoint.empty()) spec.argv.push_back("--tether-bind=" + options.bind_endpoint);
  spec.argv.insert(spec.argv.end(), options.extra_args.begin(), options.extra_args.end());
  spec.extra_env = options.env;
  spec.extra_env.push_back(std::string(detail::kSpawnedChildEnv) + "=" + uid);
  if (!options.log_level.empty())
    spec.extra_env.push_back("TETHER_LOG=" + options.log_level);
  else if (std::getenv("TETHER_LOG"))  // our level as read, so a typo is reported once, by us
    spec.extra_env.push_back("TETHER_LOG=" + std::string(log::level_name(log::level())));
  return spec;
}

}  // namespace

ActorNursery::ActorNursery(Actor& actor) : actor_(actor) {}
ActorNursery::~ActorNursery() = default;  // every child was reaped by the join

task<Portal> ActorNursery::start_actor(std::string name, SpawnOptions options) {
  if (!tasks_) throw std::logic_error("start_actor outside open_actor_nursery");
  detail::ActorCore& core = *actor_.core_;
  const std::string uid = make_identity(name).uid;
  detail::CallReply boot(core.executor());
  Subscription expected = core.expect_child(uid, boot);
  auto process =
      std::make_unique<ChildProcess>(core.executor(), spawn_spec(core, name, uid, options));
  const pid_t pid = process->pid();
  log::info("actor {}: started child '{}' (pid {})", core.identity().display(), name, pid);

  // Boot: the SpawnAck, the process exiting, or the boot timeout — whichever is first.
  Subscription exit_watch = process->notify_on_exit([&boot] { boot.abandon(); });
  std::exception_ptr interrupted;
  bool finished = false;
  try {
    finished = co_await move_on_after(options.boot_timeout, boot.wait());
  } catch (...) {
    interrupted = std::current_exception();
  }
  exit_watch.reset();
  expected.reset();
  const bool exited_during_boot = boot.abandoned();
  if (interrupted || !finished || exited_during_boot) {
    if (!exited_during_boot) process->signal(SIGKILL);
    if (interrupted) co_await allow_cleanup();
    const ExitStatus status = co_await shielded(process->wait());
    const std::string why =
        exited_during_boot
            ? fmt::format("child '{}' (pid {}) {} during boot{}", name, pid, status.describe(),
                          status.code == detail::kUnclaimedChildExit && status.signal == 0
                              ? std::string(": ") + detail::unclaimed_child_advice()
                              : std::string())
            : fmt::format("child '{}' (pid {}) did not finish booting within {} ms", name, pid,
                          options.boot_timeout.count());
    if (options.on_exit) options.on_exit(status);
    if (interrupted) std::rethrow_exception(interrupted);
    throw BootFailed(ActorExit{{uid, name, 0}, ExitReason::boot_failed, status, nullptr}, pid, why);
  }

  detail::Peer* peer = core.find_peer(uid);
  ActorIdentity identity = peer ? peer->identity : ActorIdentity{uid, name, 0};
  auto& child = children_.emplace_back(Child{name, uid, std::move(options), std::move(process), {},
                                              false, false, false, identity.incarnation});
  child.supervisor = tasks_->start_cancellable(supervise(child));
  core.adopt_child(uid, *this);
  co_return Portal(core, identity);
}

task<void> ActorNursery::supervise(Child& child) {
  detail::ActorCore& core = *actor_.core_;
  // A lost link (no heartbeats) means the child is hung or cut off: kill it, so its
  // exit is what we report and nothing is left behind.
  Subscription on_loss = core.listen_for_loss(child.uid, [&child](const std::string&) {
    child.link_lost = true;
    child.process->signal(SIGKILL);
  });
  std::exception_ptr cancelled;
  ExitStatus status;
  try {
    status = co_await child.process->wait();
  } catch (...) {
    cancelled = std::current_exception();
  }
  on_loss.reset();
  core.disown_child(child.uid);
  if (cancelled) {
    co_await allow_cleanup();
    co_await shielded(teardown(child));
    std::rethrow_exception(cancelled);
  }
  child.report_exit(status);
  // Grandchildren it left behind re-parented to us (a subreaper): end them.
  core.orphans().sweep(child.options.term_grace);
  // Whoever still waits on it learns now, not at the next heartbeat timeout, and how.
  const ActorExit exit =
      ActorExit::of_process(child.identity(), status, child.stop_requested, child.link_lost);
  core.lose_peer(child.uid, "its process " + status.describe(), exit);
  if (child.stop_requested || status.clean() || !child.options.exit_is_error) co_return;
  throw ActorExited(
      exit, child.process->pid(),
      fmt::format("child '{}' (pid {}) {}{}", child.name, child.process->pid(), status.describe(),
                  child.link_lost ? " after its link was lost" : ""));
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct LadderBudget {
  milliseconds ask;    // Cancel -> CancelAck and exit
  milliseconds insist; // SIGTERM -> exit
};

/// The child's graces, fitted inside the deadline of a stop this actor is itself under:
/// ladders nest, so a parent's SIGKILL never lands before ours (DESIGN.md "Semantics" 12).
LadderBudget ladder_budget(const detail::ActorCore& core, const SpawnOptions& options) {
  LadderBudget budget{options.cancel_grace, options.term_grace};
  const auto deadline = core.stop_deadline();
  if (!deadline) return budget;
  const auto left = std::max(milliseconds(2), std::chrono::duration_cast<milliseconds>(
                                                  *deadline - Clock::now()));
  const auto wanted = budget.ask + budget.insist;
  if (left >= wanted) return budget;
  budget.ask = std::max(milliseconds(1), left * budget.ask.count() / std::max<long>(1, wanted.count()));
  budget.insist = std::max(milliseconds(1), left - budget.ask);
  return budget;
}

milliseconds until(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

}  // namespace

task<void> ActorNursery::teardown(Child& child) {
  if (child.process->exit_status()) co_return;
  child.stop_requested = true;
  detail::ActorCore& core = *actor_.core_;
  const LadderBudget budget = ladder_budget(core, child.options);
  // 1. Ask: the child cancels its own subtree within `budget.ask` (the Cancel says so),
  // acknowledges, and exits. Its CancelAck follows every earlier reply on the
  // connection, so once it is here nothing the child said is lost. One deadline covers
  // the acknowledgement and the exit.
  const auto ask_until = Clock::now() + budget.ask;
  if (detail::Peer* peer = core.find_peer(child.uid)) {
    // Registered for this wait only, also when it is cancelled (a stop requested by
    // `tether cancel` runs in a task its nursery may cancel).
    detail::CallReply ack(core.executor());
    Subscription expected = core.expect_stop_ack(child.uid, ack);
    Subscription exit_watch = child.process->notify_on_exit([&ack] { ack.abandon(); });
    core.send_cancel(*peer, {.call_id = 0}, "stopped by its parent", budget.ask);
    (void)co_await move_on_after(budget.ask, ack.wait());
  }
  auto status = co_await child.process->wait_for(until(ask_until));
  if (!status) {
    // 2. Insist. The child's signal thread acts even if its loop is busy, and ends its
    // subtree within the grace the signal carries.
    log::warn("actor {}: child '{}' (pid {}) did not stop within {} ms of Cancel; sending SIGTERM",
              core.identity().display(), child.name, child.process->pid(), budget.ask.count());
    child.process->terminate(budget.insist);
    status = co_await child.process->wait_for(budget.insist);
  }
  if (!status) {
    // 3. Force: SIGKILL cannot be ignored, so this wait ends. What the child did not
    // stop of its own subtree is adopted by us (a subreaper) and ended by orphans_.
    log::warn("actor {}: child '{}' (pid {}) survived SIGTERM for {} ms; sending SIGKILL",
              core.identity().display(), child.name, child.process->pid(),
              budget.insist.count());
    child.process->signal(SIGKILL);
    status = co_await child.process->wait();
  }
  child.report_exit(*status);
  core.orphans().sweep(budget.insist);
  core.lose_peer(child.uid, "stopped by its parent");
}

task<void> ActorNursery::stop_actor(const std::string& uid) {
  for (auto& child : children_) {
    if (child.uid != uid) continue;
    co_await teardown(child);
    child.supervisor.cancel();  // it sees the exit and, since we asked, ends quietly
    co_return;
  }
}

bool ActorNursery::stop_on_request(const std::string& uid, std::function<void()> done) {
  if (!tasks_) return false;
  for (auto& child : children_)
    if (child.uid == uid && !child.process->exit_status()) {
      tasks_->start_soon(stop_then(uid, std::move(done)));
      return true;
    }
  return false;
}

task<void> ActorNursery::stop_then(std::string uid, std::function<void()> done) {
  log::info("actor {}: stopping child {} on request", actor_.identity().display(), uid);
  std::exception_ptr interrupted;
  try {
    co_await stop_actor(uid);
  } catch (...) {
    interrupted = std::current_exception();
  }
  if (interrupted) {
    // The nursery is ending and its own teardown stops the child; confirm only once the
    // child is really gone (that teardown is bounded: it ends in SIGKILL).
    co_await allow_cleanup();
    for (auto& child : children_)
      if (child.uid == uid) (void)co_await shielded(child.process->wait());
  }
  done();
  if (interrupted) std::rethrow_exception(interrupted);
}

void ActorNursery::start_soon(task<void> work) {
  if (!work_) throw std::logic_error("start_soon outside open_actor_nursery");
  work_->start_soon(std::move(work));
}

void ActorNursery::cancel() {
  if (work_) work_->cancel();
  if (tasks_) tasks_->cancel();
}

pid_t ActorNursery::pid_of(const std::string& uid) const noexcept {
  for (const auto& c : children_)
    if (c.uid == uid) return c.process->pid();
  return -1;
}

std::size_t ActorNursery::running_children() const noexcept {
  std::size_t n = 0;
  for (const auto& c : children_) n += c.process->exit_status() ? 0 : 1;
  return n;
}

task<void> open_actor_nursery(Actor& actor, std::function<task<void>(ActorNursery&)> body) {
  ActorNursery nursery(actor);  // outlives both nurseries below, so supervisors may use it
  std::exception_ptr failed;
  try {
    co_await open_nursery([&](Nursery& supervisors) -> task<void> {
      // The body and its tasks run to the end, as in any nursery; a failing child
      // cancels them through the outer nursery.
      co_await open_nursery([&](Nursery& work) -> task<void> {
        nursery.attach(supervisors, work);
        co_await body(nursery);
      });
      supervisors.cancel();  // all done: stop the children still running
    });
  } catch (...) {
    failed = std::current_exception();
  }
  // Grandchildren our children left behind are gone too before the scope ends.
  if (failed) co_await allow_cleanup();
  co_await shielded(nursery.wait_for_orphans());
  if (failed) std::rethrow_exception(failed);
}

task<void> ActorNursery::wait_for_orphans() {
  detail::Orphans& orphans = actor_.core_->orphans();
  if (orphans.adopted() > 0) co_await orphans.wait_all();
}

}  // namespace tether
