#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "tether/wire/encoder.hpp"
#include "tether/wire/verify.hpp"

namespace tether::wire {
namespace {

std::span<const std::uint8_t> encode_start(Encoder& encoder) {
  const Header header{.msg_id = 7,
                      .in_reply_to = 3,
                      .from = {"uid-a", "alice", 2},
                      .to = {"uid-b", "bob", 5},
                      .call_id = 11,
                      .deadline_unix_ms = 1234};
  return encoder.encode(header, [](flatbuffers::FlatBufferBuilder& b) {
    auto args = CreatePayload(b, b.CreateString("AddArgs"),
                              b.CreateVector(std::vector<std::uint8_t>{1, 2, 3}));
    return CreateStart(b, b.CreateString("add"), CallKind::Call, args);
  });
}

/// Copies bytes into 8-byte aligned storage, as the transport does.
std::vector<std::uint64_t> aligned_copy(std::span<const std::uint8_t> bytes) {
  std::vector<std::uint64_t> storage((bytes.size() + 7) / 8);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return storage;
}
std::span<const std::uint8_t> as_bytes(const std::vector<std::uint64_t>& s, std::size_t n) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), n};
}

TEST(Wire, EncodedEnvelopeVerifiesAndDecodesEveryHeaderField) {
  Encoder encoder;
  auto bytes = encode_start(encoder);
  auto storage = aligned_copy(bytes);
  auto result = verify_envelope(as_bytes(storage, bytes.size()));
  ASSERT_TRUE(result.ok());
  const Envelope& env = *result.value();
  EXPECT_EQ(env.msg_id(), 7u);
  EXPECT_EQ(env.in_reply_to(), 3u);
  EXPECT_EQ(env.call_id(), 11u);
  EXPECT_EQ(env.deadline_unix_ms(), 1234u);
  EXPECT_EQ(env.from()->name()->str(), "alice");
  EXPECT_EQ(env.from()->incarnation(), 2u);
  EXPECT_EQ(env.to()->uid()->str(), "uid-b");
  ASSERT_EQ(env.body_type(), Body::Start);
  EXPECT_EQ(env.body_as_Start()->function()->str(), "add");
  EXPECT_EQ(env.body_as_Start()->args()->type_name()->str(), "AddArgs");
}

TEST(Wire, EncoderReusesItsBuilderAcrossMessages) {
  Encoder encoder;
  auto first = encode_start(encoder);
  const std::vector<std::uint8_t> copy(first.begin(), first.end());
  auto second = encode_start(encoder);
  EXPECT_EQ(std::vector<std::uint8_t>(second.begin(), second.end()), copy);
}

TEST(Wire, EmptyBodyTablesEncode) {
  Encoder encoder;
  auto bytes = encoder.encode_empty<Heartbeat>({.msg_id = 1});
  auto storage = aligned_copy(bytes);
  auto result = verify_envelope(as_bytes(storage, bytes.size()));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()->body_type(), Body::Heartbeat);
}

TEST(Wire, TruncatedEnvelopesAreRejectedOrReadOnlyInBounds) {
  Encoder encoder;
  auto bytes = encode_start(encoder);
  auto storage = aligned_copy(bytes);
  // Builders pad objects to their alignment, so cutting only padding (< 8 bytes at the
  // end) may still verify; it must then decode the same content.
  constexpr std::size_t kMaxPadding = 8;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto result = verify_envelope(as_bytes(storage, n));
    if (n + kMaxPadding < bytes.size()) {
      EXPECT_FALSE(result.ok()) << "accepted a prefix of " << n << " of " << bytes.size();
    } else if (result.ok()) {
      EXPECT_EQ(result.value()->body_as_Start()->function()->str(), "add");
      EXPECT_EQ(result.value()->body_as_Start()->args()->data()->size(), 3u);
    }
  }
}

TEST(Wire, WrongFileIdentifierIsRejected) {
  Encoder encoder;
  auto bytes = encode_start(encoder);
  auto storage = aligned_copy(bytes);
  reinterpret_cast<std::uint8_t*>(storage.data())[4] ^= 0xff;  // identifier follows the root offset
  auto result = verify_envelope(as_bytes(storage, bytes.size()));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), VerifyError::invalid);
}

TEST(Wire, MisalignedBufferIsRefusedRatherThanReadMisaligned) {
  Encoder encoder;
  auto bytes = encode_start(encoder);
  std::vector<std::uint64_t> storage(bytes.size() / 8 + 2);
  auto* shifted = reinterpret_cast<std::uint8_t*>(storage.data()) + 1;
  std::memcpy(shifted, bytes.data(), bytes.size());
  auto result = verify_envelope({shifted, bytes.size()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), VerifyError::misaligned);
}

TEST(Wire, OversizedEnvelopeIsRejectedBeforeVerification) {
  Encoder encoder;
  auto bytes = encode_start(encoder);
  auto storage = aligned_copy(bytes);
  auto result = verify_envelope(as_bytes(storage, bytes.size()), {.max_envelope_bytes = 16});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), VerifyError::too_large);
}

TEST(Wire, DeeplyNestedOrHugeTableCountsHitTheVerifierBounds) {
  Encoder encoder;
  auto bytes = encoder.encode({.msg_id = 1}, [](flatbuffers::FlatBufferBuilder& b) {
    std::vector<flatbuffers::Offset<RegistryEntry>> entries;
    for (int i = 0; i < 50; ++i) entries.push_back(CreateRegistryEntry(b, b.CreateString("x")));
    return CreateListReply(b, b.CreateVector(entries), 1);
  });
  auto storage = aligned_copy(bytes);
  EXPECT_TRUE(verify_envelope(as_bytes(storage, bytes.size())).ok());
  auto limited = verify_envelope(as_bytes(storage, bytes.size()), {.max_tables = 10});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error(), VerifyError::invalid);
}

TEST(Wire, BodyTypeFromANewerPeerVerifiesButIsNotKnown) {
  Encoder encoder;
  auto& b = encoder.builder();
  b.Clear();
  auto body = CreateStartAck(b);  // any table; the type code is what matters
  auto bytes = encoder.encode_raw_body({.msg_id = 9}, static_cast<Body>(200), body.Union());
  auto storage = aligned_copy(bytes);
  auto result = verify_envelope(as_bytes(storage, bytes.size()));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(is_known_body(result.value()->body_type()));
  EXPECT_TRUE(is_known_body(Body::Exit));
  EXPECT_FALSE(is_known_body(Body::NONE));
}

TEST(Wire, ProtocolVersionRangesMustOverlap) {
  EXPECT_TRUE(versions_compatible(kMinProtocolVersion, kProtocolVersion));
  EXPECT_FALSE(versions_compatible(kProtocolVersion + 1, kProtocolVersion + 3));
  EXPECT_FALSE(versions_compatible(0, 0));
}

}  // namespace
}  // namespace tether::wire
