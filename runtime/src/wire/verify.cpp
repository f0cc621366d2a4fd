#include "tether/wire/verify.hpp"

namespace tether::wire {

std::string_view to_string(VerifyError e) noexcept {
  switch (e) {
    case VerifyError::too_small:
      return "envelope too small";
    case VerifyError::too_large:
      return "envelope too large";
    case VerifyError::misaligned:
      return "envelope buffer misaligned";
    case VerifyError::invalid:
      return "envelope failed verification";
    case VerifyError::no_body:
      return "envelope has no body";
  }
  return "unknown verify error";
}

Result<const Envelope*, VerifyError> verify_envelope(std::span<const std::uint8_t> bytes,
                                                     const VerifyLimits& limits) {
  // Smallest valid buffer: root offset + file identifier + a vtable and table.
  constexpr std::size_t kMinEnvelopeBytes = 12;
  if (bytes.size() < kMinEnvelopeBytes) return Err{VerifyError::too_small};
  // Checked before constructing the Verifier, which asserts on >2 GiB buffers.
  if (bytes.size() > limits.max_envelope_bytes) return Err{VerifyError::too_large};
  if (!is_wire_aligned(bytes.data())) return Err{VerifyError::misaligned};

  flatbuffers::Verifier::Options options;
  options.max_depth = limits.max_depth;
  options.max_tables = limits.max_tables;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!VerifyEnvelopeBuffer(verifier)) return Err{VerifyError::invalid};

  const Envelope* envelope = GetEnvelope(bytes.data());
  if (envelope->body_type() == Body::NONE || envelope->body() == nullptr)
    return Err{VerifyError::no_body};
  return envelope;
}

}  // namespace tether::wire
