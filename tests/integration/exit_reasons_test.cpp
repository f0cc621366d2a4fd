// Exit reasons are data (DESIGN.md "Semantics" 2): a failure relayed across actors
// reaches the root with its reason, exit status or signal, origin, relay path and, for a
// group, every member. Every test ends with a scan of the process table.
#include <csignal>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Details = RemoteError::Details;

class ExitReasons : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }

  /// Starts `child` under this test's actor, calls `function` on it, and returns the
  /// RemoteError the nursery reported.
  std::optional<RemoteError> relayed_failure(const std::string& child, const std::string& function,
                                             std::uint64_t hops) {
    std::optional<RemoteError> caught;
    run_bounded(
        io,
        [&]() -> task<void> {
          auto body = [&]() -> task<void> {
            try {
              co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
                Portal portal = co_await an.start_actor(child, test_spawn_options());
                CountT n;
                n.value = hops;
                (void)co_await portal.call<SumT>(function, n);
              });
            } catch (const ErrorGroup& group) {
              group.for_each<RemoteError>([&](const RemoteError& e) { caught.emplace(e); });
            }
          };
          co_await me.run(body());
        },
        60s);
    return caught;
  }

  /// A group's members, or the error itself when it is a single failure.
  static std::vector<Details> failures_of(const RemoteError& e) {
    if (!e.members().empty()) return e.members();
    return {e.details()};
  }

  static std::vector<std::string> names(const std::vector<ActorIdentity>& path) {
    std::vector<std::string> out;
    for (const auto& hop : path) out.push_back(hop.name);
    return out;
  }

  static const Details* find_type(const std::vector<Details>& failures, std::string_view type) {
    for (const auto& f : failures)
      if (f.type_name == type) return &f;
    return nullptr;
  }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("root")};
};

TEST_F(ExitReasons, AGrandchildKilledUnderACallReachesTheRootWithItsSignalOriginAndPath) {
  const auto error = relayed_failure("middle", "doomed_call", 0);
  ASSERT_TRUE(error) << "the root saw no RemoteError";
  const auto failures = failures_of(*error);
  const Details* exited = find_type(failures, "tether::ActorExited");
  ASSERT_NE(exited, nullptr) << error->what();
  EXPECT_EQ(exited->origin.name, "doomed");
  EXPECT_EQ(names(exited->relay_path), (std::vector<std::string>{"doomed", "middle", "root"}));
  ASSERT_TRUE(exited->exit);
  EXPECT_EQ(exited->exit->actor.name, "doomed");
  EXPECT_FALSE(exited->exit->actor.uid.empty());
  EXPECT_EQ(exited->exit->reason, ExitReason::killed);
  EXPECT_EQ(exited->exit->status.signal, SIGKILL);
  // Whatever else the middle's nursery collected is about the same death.
  for (const auto& f : failures) {
    ASSERT_TRUE(f.exit) << f.type_name << ": " << f.message;
    EXPECT_EQ(f.exit->actor.uid, exited->exit->actor.uid) << f.type_name;
    EXPECT_EQ(f.exit->status.signal, SIGKILL) << f.type_name;
  }
}

TEST_F(ExitReasons, AGroupRelayedAcrossTwoHopsKeepsEveryMemberWithItsOwnOriginAndPath) {
  const auto error = relayed_failure("hop-2", "doomed_group", 1);
  ASSERT_TRUE(error) << "the root saw no RemoteError";
  EXPECT_EQ(error->type_name(), "tether::ErrorGroup");
  ASSERT_EQ(error->members().size(), 3u) << error->what();
  EXPECT_NE(std::string(error->what()).find("3 failures"), std::string::npos) << error->what();

  const Details* exited = find_type(error->members(), "tether::ActorExited");
  ASSERT_NE(exited, nullptr);
  EXPECT_EQ(exited->origin.name, "doomed");
  EXPECT_EQ(names(exited->relay_path),
            (std::vector<std::string>{"doomed", "hop-1", "hop-2", "root"}));
  ASSERT_TRUE(exited->exit);
  EXPECT_EQ(exited->exit->reason, ExitReason::killed);
  EXPECT_EQ(exited->exit->status.signal, SIGKILL);

  const Details* domain = find_type(error->members(), "std::domain_error");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(domain->message, "the second failure");
  EXPECT_EQ(domain->origin.name, "hop-1");
  EXPECT_EQ(names(domain->relay_path), (std::vector<std::string>{"hop-1", "hop-2", "root"}));
  EXPECT_FALSE(domain->exit);

  const Details* timeout = find_type(error->members(), "tether::Timeout");
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(timeout->kind, wire::ErrorKind::Timeout);
  EXPECT_EQ(timeout->message, "the third failure");

  // As exceptions, the members keep their kinds.
  const auto errors = error->member_errors();
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) {
    const auto exit = exit_of(e);
    try {
      std::rethrow_exception(e);
    } catch (const RemoteError& member) {
      EXPECT_EQ(exit.has_value(), member.type_name() == "tether::ActorExited") << member.what();
    }
  }
}

TEST_F(ExitReasons, APoolTaskWhoseWorkerIsKilledReachesTheRootWithTheWorkersSignal) {
  const auto error = relayed_failure("pool-owner", "pool_task_dies", 0);
  ASSERT_TRUE(error) << "the root saw no RemoteError";
  const auto failures = failures_of(*error);
  const Details* lost = find_type(failures, "tether::PeerLost");
  ASSERT_NE(lost, nullptr) << error->what();
  EXPECT_EQ(lost->kind, wire::ErrorKind::PeerLost);
  EXPECT_EQ(lost->origin.name, "pool-owner");
  EXPECT_EQ(names(lost->relay_path), (std::vector<std::string>{"pool-owner", "root"}));
  ASSERT_TRUE(lost->exit) << lost->message;
  EXPECT_EQ(lost->exit->actor.name.rfind("doomed-pool-", 0), 0u) << lost->exit->actor.name;
  EXPECT_EQ(lost->exit->reason, ExitReason::killed);
  EXPECT_EQ(lost->exit->status.signal, SIGKILL);
}

}  // namespace
}  // namespace tether::test
