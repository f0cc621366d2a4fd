// The error codec drives no sockets: an exception goes in, a wire::Error comes out, and
// decoding it gives back every field — exit, members, origins, paths.
#include <csignal>
#include <stdexcept>

#include <gtest/gtest.h>

#include "codec.hpp"
#include "tether/concurrency/errors.hpp"

namespace tether::detail {
namespace {

const ActorIdentity kSelf{"5e1f", "middle", 7};
const ActorIdentity kCaller{"ca11", "root", 1};
const ActorIdentity kChild{"c41d", "doomed", 3};

RemoteError::Details round_trip(const std::exception_ptr& error) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(encode_error(b, error, kSelf, "work", 42, kCaller));
  flatbuffers::Verifier verifier(b.GetBufferPointer(), b.GetSize());
  EXPECT_TRUE(verifier.VerifyBuffer<wire::Error>(nullptr));
  return decode_error(*flatbuffers::GetRoot<wire::Error>(b.GetBufferPointer()));
}

std::exception_ptr killed_child() {
  return std::make_exception_ptr(
      ActorExited(ActorExit::of_process(kChild, ExitStatus{-1, SIGKILL}), 99, "doomed died"));
}

TEST(ErrorCodec, AChildsExitKeepsItsReasonSignalAndIdentityAndStartsItsPathAtTheChild) {
  const auto d = round_trip(killed_child());
  EXPECT_EQ(d.type_name, "tether::ActorExited");
  EXPECT_EQ(d.origin.uid, kChild.uid);
  ASSERT_EQ(d.relay_path.size(), 2u);
  EXPECT_EQ(d.relay_path[0].name, "doomed");
  EXPECT_EQ(d.relay_path[1].name, "middle");
  ASSERT_TRUE(d.exit);
  EXPECT_EQ(d.exit->actor.uid, kChild.uid);
  EXPECT_EQ(d.exit->actor.incarnation, kChild.incarnation);
  EXPECT_EQ(d.exit->reason, ExitReason::killed);
  EXPECT_EQ(d.exit->status.signal, SIGKILL);
  EXPECT_EQ(d.exit->status.code, -1);
}

TEST(ErrorCodec, AnExitCodeOfABootFailureIsKeptWithItsKind) {
  const auto d = round_trip(std::make_exception_ptr(BootFailed(
      ActorExit{kChild, ExitReason::boot_failed, ExitStatus{3, 0}, nullptr}, 5, "no boot")));
  EXPECT_EQ(d.kind, wire::ErrorKind::BootFailed);
  ASSERT_TRUE(d.exit);
  EXPECT_EQ(d.exit->reason, ExitReason::boot_failed);
  EXPECT_EQ(d.exit->status.code, 3);
  EXPECT_EQ(d.exit->status.signal, 0);
}

TEST(ErrorCodec, AnOrdinaryExceptionHasNoExit) {
  const auto d = round_trip(std::make_exception_ptr(std::domain_error("bad")));
  EXPECT_EQ(d.type_name, "std::domain_error");
  EXPECT_EQ(d.origin.uid, kSelf.uid);
  EXPECT_FALSE(d.exit);
  EXPECT_TRUE(d.members.empty());
}

TEST(ErrorCodec, AGroupKeepsEveryMemberAndARelayedGroupAmongThemJoinsTheList) {
  RemoteError::Details relayed_member;
  relayed_member.type_name = "app::Oops";
  relayed_member.message = "deep";
  relayed_member.origin = kChild;
  relayed_member.relay_path = {kChild, kSelf};
  RemoteError::Details relayed;
  relayed.type_name = "tether::ErrorGroup";
  relayed.members = {relayed_member, relayed_member};
  const ErrorGroup group({killed_child(),
                          std::make_exception_ptr(PeerLost(
                              kChild, "gone", ActorExit::of_process(kChild, {-1, SIGKILL}))),
                          std::make_exception_ptr(RemoteError(relayed))});
  const auto d = round_trip(std::make_exception_ptr(group));
  EXPECT_EQ(d.type_name, "tether::ErrorGroup");
  ASSERT_EQ(d.members.size(), 4u);
  EXPECT_EQ(d.members[0].type_name, "tether::ActorExited");
  EXPECT_EQ(d.members[1].kind, wire::ErrorKind::PeerLost);
  ASSERT_TRUE(d.members[1].exit);
  EXPECT_EQ(d.members[1].exit->actor.uid, kChild.uid);
  EXPECT_EQ(d.members[2].type_name, "app::Oops");
  EXPECT_EQ(d.members[3].message, "deep");

  // One more hop: every member's path grows, none is lost.
  auto next = d;
  extend_relay_path(next, kCaller);
  for (const auto& m : next.members) EXPECT_EQ(m.relay_path.back().uid, kCaller.uid);
  const auto again = round_trip(make_remote_error(next));
  EXPECT_EQ(again.members.size(), 4u);
}

TEST(ErrorCodec, AGroupOfOneIsThatOneError) {
  const auto d = round_trip(std::make_exception_ptr(ErrorGroup({killed_child()})));
  EXPECT_EQ(d.type_name, "tether::ActorExited");
  EXPECT_TRUE(d.members.empty());
  EXPECT_TRUE(d.exit);
}

}  // namespace
}  // namespace tether::detail
