#pragma once
// The single gate for untrusted bytes: nothing reads an Envelope that did not pass here.

#include <cstdint>
#include <span>
#include <string_view>

#include "tether/base/result.hpp"
#include "tether/wire/protocol.hpp"

namespace tether::wire {

/// Bounds for verifying one envelope. Defaults fit control messages; raise
/// max_envelope_bytes for large inline payloads (big data belongs in attachments).
struct VerifyLimits {
  std::size_t max_envelope_bytes = 16u << 20;
  unsigned max_depth = 16;
  unsigned max_tables = 10'000;
};

enum class VerifyError {
  too_small,   // shorter than any valid envelope
  too_large,   // over max_envelope_bytes
  misaligned,  // caller must copy into 8-byte aligned storage first
  invalid,     // the FlatBuffers Verifier rejected it (or wrong file identifier)
  no_body,     // verified, but carries no body
};

std::string_view to_string(VerifyError e) noexcept;

/// Verifies `bytes` as an Envelope. `bytes.data()` must be 8-byte aligned: the Verifier
/// checks alignment relative to the buffer only, and field reads on a misaligned buffer
/// are undefined behaviour. A body type unknown to this build passes (see is_known_body).
Result<const Envelope*, VerifyError> verify_envelope(std::span<const std::uint8_t> bytes,
                                                     const VerifyLimits& limits = {});

/// True when `p` is aligned enough to read FlatBuffers fields in place.
inline bool is_wire_aligned(const void* p) noexcept {
  return reinterpret_cast<std::uintptr_t>(p) % alignof(std::uint64_t) == 0;
}

}  // namespace tether::wire
