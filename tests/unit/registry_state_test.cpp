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
  const auto late = state.wait_for("late", {}, t0 + 5s);
  const auto never = state.wait_for("never", {}, t0 + 1s);
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
  const auto id = state.wait_for("here", {}, t0 + 1s);
  const auto results = state.take_wait_results(t0);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].waiter, id);
  EXPECT_TRUE(results[0].entry.has_value());
}

TEST(RegistryState, AReturningStaleIncarnationCannotReplaceItsSuccessor) {
  RegistryState state;
  // One uid is one connection (its routing id): a restarted process reuses both.
  (void)state.register_entry(actor("svc", "1", 5), "svc-1", 3s, t0);
  const auto stale = state.register_entry(actor("svc", "1", 4), "svc-1", 3s, t0);
  ASSERT_TRUE(std::holds_alternative<RegisterError>(stale));
  EXPECT_EQ(std::get<RegisterError>(stale), RegisterError::stale_incarnation);
  (void)state.register_entry(actor("svc", "1", 6), "svc-1", 3s, t0);  // a newer one may
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
  (void)state.wait_for("b", {}, t0 + 1s);
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

TEST(RegistryState, AnotherClientCannotReplaceALiveEntry) {
  RegistryState state;
  (void)state.register_entry(actor("a", "1", 1), "owner", 1s, t0);
  Entry hijack = actor("a", "1", 2);
  hijack.endpoints = {"ipc:///tmp/hijacker"};
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(hijack, "intruder", 1s, t0)),
            RegisterError::uid_taken);
  ASSERT_EQ(state.lookup("a").size(), 1u);
  EXPECT_EQ(state.lookup("a").front().incarnation, 1u);
  EXPECT_EQ(state.renew("intruder", t0 + 900ms), 0u);
  // Once the owner's lease has run out, the uid is free again.
  state.expire(t0 + 1100ms);
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(
      state.register_entry(hijack, "intruder", 1s, t0 + 1100ms)));
}

TEST(RegistryState, ANamespaceWithATokenIsFoundOnlyByLookupsThatPresentIt) {
  RegistryState state;
  Entry mine = actor("producer", "1");
  mine.name_space = "tree-1";
  Entry stranger = actor("producer", "2");
  stranger.name_space = "tree-1";  // the same namespace name, without its token
  (void)state.register_entry(mine, "1", 3s, t0, "secret");
  (void)state.register_entry(stranger, "2", 3s, t0 + 1ms, "guess");
  const auto found = state.lookup("producer", NameScope::in("tree-1", "secret"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found.front().uid, "1");  // the newer stranger does not win
  EXPECT_TRUE(state.lookup("producer", NameScope::in("tree-1")).empty());
  EXPECT_TRUE(state.lookup("producer").empty());
  EXPECT_EQ(state.lookup("producer", NameScope::everywhere()).size(), 2u);
}

TEST(RegistryState, TwoNamespacesKeepTheirOwnActorsOfOneName) {
  RegistryState state;
  Entry a = actor("producer", "1");
  a.name_space = "run-a";
  Entry b = actor("producer", "2");
  b.name_space = "run-b";
  (void)state.register_entry(a, "1", 3s, t0);
  (void)state.register_entry(b, "2", 3s, t0);
  EXPECT_EQ(state.lookup("producer", NameScope::in("run-a")).front().uid, "1");
  EXPECT_EQ(state.lookup("producer", NameScope::in("run-b")).front().uid, "2");
}

TEST(RegistryState, AWaitIsAnsweredOnlyByARegistrationInItsScope) {
  RegistryState state;
  const auto w = state.wait_for("late", NameScope::in("tree-1", "secret"), t0 + 1s);
  Entry outsider = actor("late", "9");
  outsider.name_space = "tree-1";
  (void)state.register_entry(outsider, "9", 3s, t0, "wrong");
  EXPECT_TRUE(state.take_wait_results(t0).empty());
  Entry member = actor("late", "10");
  member.name_space = "tree-1";
  (void)state.register_entry(member, "10", 3s, t0, "secret");
  const auto results = state.take_wait_results(t0);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].waiter, w);
  EXPECT_EQ(results[0].entry->uid, "10");
}

TEST(RegistryState, WhatOneClientMayStoreIsBoundedAndARefusalChangesNothing) {
  RegistryState state(RegistryLimits{.entries_per_owner = 2, .entry_bytes = 64, .entries = 3});
  Entry big = actor("big", "1");
  big.tags = {std::string(100, 'x')};
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(big, "flood", 3s, t0)),
            RegisterError::entry_too_large);
  (void)state.register_entry(actor("a", "1"), "flood", 3s, t0);
  (void)state.register_entry(actor("b", "2"), "flood", 3s, t0);
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(actor("c", "3"), "flood", 3s, t0)),
            RegisterError::owner_full);
  (void)state.register_entry(actor("d", "4"), "other", 3s, t0);  // others still may
  EXPECT_EQ(std::get<RegisterError>(state.register_entry(actor("e", "5"), "third", 3s, t0)),
            RegisterError::registry_full);
  EXPECT_EQ(state.size(), 3u);
  EXPECT_EQ(state.seq(), 3u);
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
  const WaiterId w = state.wait_for("late", {}, t0 + 1s);
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
