// The registry's rules, driven directly on its state machine (no sockets, no clock).
#include <gtest/gtest.h>

#include "tether/registry/registry_state.hpp"

namespace tether::registry {
namespace {

using namespace std::chrono_literals;

Entry actor(std::string name, std::string uid, std::uint64_t incarnation = 1) {
  Entry e;
  e.name = std::move(name);
  e.uid = std::move(uid);
  e.incarnation = incarnation;
  e.endpoints = {"ipc:///tmp/" + e.uid};
  return e;
}

const Clock::time_point t0{};

std::uint64_t seq_of(const std::variant<std::uint64_t, RegisterError>& r) {
  return std::get<std::uint64_t>(r);
}

TEST(RegistryState, RegisteredActorsAreListedAndEveryChangeGetsTheNextSequenceNumber) {
  RegistryState state;
  EXPECT_EQ(seq_of(state.register_entry(actor("a", "1"), "conn-1", 3s, t0)), 1u);
  EXPECT_EQ(seq_of(state.register_entry(actor("b", "2"), "conn-2", 3s, t0)), 2u);
  EXPECT_EQ(state.list().size(), 2u);
  EXPECT_EQ(state.deregister("1"), std::optional<std::uint64_t>(3));
  EXPECT_EQ(state.deregister("1"), std::nullopt);  // unknown now: no change, no number
  EXPECT_EQ(state.seq(), 3u);
  ASSERT_EQ(state.list().size(), 1u);
  EXPECT_EQ(state.list().front().uid, "2");
}

TEST(RegistryState, DuplicateNamesAreAllowedAndLookupListsTheNewestFirst) {
  RegistryState state;
  (void)state.register_entry(actor("worker", "old"), "c1", 3s, t0);
  (void)state.register_entry(actor("worker", "new"), "c2", 3s, t0);
  (void)state.register_entry(actor("other", "x"), "c3", 3s, t0);
  const auto found = state.lookup("worker");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].uid, "new");
  EXPECT_EQ(found[1].uid, "old");
  EXPECT_TRUE(state.lookup("nobody").empty());
}

TEST(RegistryState, AnEntryWhoseLeaseRanOutExpiresAndItsWatchersAreTold) {
  RegistryState state;
  const auto watcher = state.watch("work");
  (void)state.register_entry(actor("worker", "1"), "conn", 3s, t0);
  state.expire(t0 + 2999ms);
  EXPECT_EQ(state.list().size(), 1u);
  state.expire(t0 + 3s);
  EXPECT_TRUE(state.list().empty());
  const auto events = state.take_notifications();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].watcher, watcher);
  EXPECT_EQ(events[0].event.kind, EventKind::join);
  EXPECT_EQ(events[1].event.kind, EventKind::expired);
  EXPECT_EQ(events[1].event.seq, 2u);
}

TEST(RegistryState, RenewingExtendsEveryLeaseOfThatConnectionOnly) {
  RegistryState state;
  (void)state.register_entry(actor("a", "1"), "conn-1", 3s, t0);
  (void)state.register_entry(actor("b", "2"), "conn-1", 3s, t0);
  (void)state.register_entry(actor("c", "3"), "conn-2", 3s, t0);
  EXPECT_EQ(state.renew("conn-1", t0 + 2s), 2u);
  state.expire(t0 + 4s);
  ASSERT_EQ(state.list().size(), 2u);  // conn-2's entry expired, conn-1's live on
  state.expire(t0 + 5s);
  EXPECT_TRUE(state.list().empty());
}

TEST(RegistryState, WatchersSeeOnlyTheirPrefixInSequenceOrder) {
  RegistryState state;
  const auto all = state.watch("");
  const auto pools = state.watch("pool/");
  (void)state.register_entry(actor("pool/w1", "1"), "c", 3s, t0);
  (void)state.register_entry(actor("web", "2"), "c", 3s, t0);
  (void)state.deregister("1");
  std::vector<std::uint64_t> seen_all, seen_pools;
  for (const auto& n : state.take_notifications())
    (n.watcher == all ? seen_all : seen_pools).push_back(n.event.seq);
  EXPECT_EQ(seen_all, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(seen_pools, (std::vector<std::uint64_t>{1, 3}));
  state.unwatch(all);
  (void)state.register_entry(actor("web2", "3"), "c", 3s, t0);
  EXPECT_TRUE(state.take_notifications().empty());
}

TEST(RegistryState, WaitForIsAnsweredByALateRegistrationOrTimesOut) {
  RegistryState state;
  const auto late = state.wait_for("late", t0 + 5s);
  const auto never = state.wait_for("never", t0 + 1s);
  EXPECT_TRUE(state.take_wait_results(t0).empty());
  (void)state.register_entry(actor("late", "9"), "c", 3s, t0 + 500ms);
  auto results = state.take_wait_results(t0 + 500ms);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].waiter, late);
  ASSERT_TRUE(results[0].entry.has_value());
  EXPECT_EQ(results[0].entry->uid, "9");
  results = state.take_wait_results(t0 + 1s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].waiter, never);
  EXPECT_FALSE(results[0].entry.has_value());
}

TEST(RegistryState, WaitForAnActorAlreadyRegisteredAnswersAtOnce) {
  RegistryState state;
  (void)state.register_entry(actor("here", "1"), "c", 3s, t0);
  const auto id = state.wait_for("here", t0 + 1s);
  const auto results = state.take_wait_results(t0);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].waiter, id);
  EXPECT_TRUE(results[0].entry.has_value());
}

TEST(RegistryState, AReturningStaleIncarnationCannotReplaceItsSuccessor) {
  RegistryState state;
  (void)state.register_entry(actor("svc", "1", 5), "c-new", 3s, t0);
  const auto stale = state.register_entry(actor("svc", "1", 4), "c-old", 3s, t0);
  ASSERT_TRUE(std::holds_alternative<RegisterError>(stale));
  EXPECT_EQ(std::get<RegisterError>(stale), RegisterError::stale_incarnation);
  (void)state.register_entry(actor("svc", "1", 6), "c-newer", 3s, t0);  // a newer one may
  ASSERT_EQ(state.list().size(), 1u);
  EXPECT_EQ(state.list().front().incarnation, 6u);
}

TEST(RegistryState, BadRegistrationsAreRefusedAndChangeNothing) {
  RegistryState state;
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(actor("", "1"), "c", 3s, t0)),
            RegisterError::empty_name);
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(actor("a", ""), "c", 3s, t0)),
            RegisterError::empty_uid);
  EXPECT_EQ(state.seq(), 0u);
  EXPECT_TRUE(state.list().empty());
}

TEST(RegistryState, TheNextDeadlineIsTheEarliestLeaseOrWait) {
  RegistryState state;
  EXPECT_FALSE(state.next_deadline().has_value());
  (void)state.register_entry(actor("a", "1"), "c", 3s, t0);
  (void)state.wait_for("b", t0 + 1s);
  EXPECT_EQ(state.next_deadline(), t0 + 1s);
}

TEST(RegistryState, OnlyTheClientThatRegisteredAnEntryMayDeregisterIt) {
  RegistryState state;
  (void)state.register_entry(actor("a", "1"), "owner", 3s, t0);
  EXPECT_EQ(state.deregister("1", "intruder"), std::nullopt);
  EXPECT_EQ(state.list().size(), 1u);
  EXPECT_TRUE(state.deregister("1", "owner").has_value());
  EXPECT_TRUE(state.list().empty());
}

TEST(RegistryState, RenewingAfterAReplacementExtendsOnlyTheCurrentOwnersLeases) {
  RegistryState state;
  (void)state.register_entry(actor("a", "1", 1), "old-conn", 1s, t0);
  (void)state.register_entry(actor("a", "1", 2), "new-conn", 1s, t0);  // the same actor moved
  EXPECT_EQ(state.renew("old-conn", t0 + 900ms), 0u);
  EXPECT_EQ(state.renew("new-conn", t0 + 900ms), 1u);
  state.expire(t0 + 1500ms);
  EXPECT_EQ(state.list().size(), 1u);
  state.expire(t0 + 1900ms);
  EXPECT_TRUE(state.list().empty());
}

TEST(RegistryState, ListFiltersByNamePrefix) {
  RegistryState state;
  (void)state.register_entry(actor("pool-1", "1"), "c", 3s, t0);
  (void)state.register_entry(actor("pool-2", "2"), "c", 3s, t0);
  (void)state.register_entry(actor("other", "3"), "c", 3s, t0);
  EXPECT_EQ(state.list("pool-").size(), 2u);
  EXPECT_EQ(state.list("").size(), 3u);
  EXPECT_EQ(state.size(), 3u);
}

TEST(RegistryState, ACancelledWaitIsNeverAnswered) {
  RegistryState state;
  const WaiterId w = state.wait_for("late", t0 + 1s);
  state.cancel_wait(w);
  (void)state.register_entry(actor("late", "1"), "c", 3s, t0);
  EXPECT_TRUE(state.take_wait_results(t0 + 2s).empty());
}

TEST(RegistryState, RegisteringTheSameEntryAgainIsARenewalNotAChange) {
  RegistryState state;
  const WatcherId w = state.watch("");
  const auto first = seq_of(state.register_entry(actor("a", "1"), "c", 1s, t0));
  EXPECT_EQ(seq_of(state.register_entry(actor("a", "1"), "c", 1s, t0 + 800ms)), first);
  EXPECT_EQ(state.take_notifications().size(), 1u);
  state.expire(t0 + 1500ms);  // renewed at +800 ms: still there
  EXPECT_EQ(state.list().size(), 1u);
  Entry moved = actor("a", "1");
  moved.endpoints = {"tcp://elsewhere:1"};
  EXPECT_GT(seq_of(state.register_entry(moved, "c", 1s, t0 + 1500ms)), first);  // a real change
  EXPECT_EQ(state.take_notifications().size(), 1u);
  state.unwatch(w);
}

}  // namespace
}  // namespace tether::registry
