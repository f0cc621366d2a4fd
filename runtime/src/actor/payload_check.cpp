#include "tether/actor/payload_check.hpp"

#include <fmt/core.h>

namespace tether {

namespace {
std::string type_text(std::string_view t) {
  return t.empty() ? std::string("raw bytes") : std::string(t);
}
}  // namespace

void check_payload_type(std::string_view got, std::string_view expected, std::string_view what,
                        const ActorIdentity& origin, std::vector<ActorIdentity> path) {
  if (got == expected) return;
  throw PayloadTypeMismatch({.kind = wire::ErrorKind::PayloadTypeMismatch,
                             .type_name = "tether::PayloadTypeMismatch",
                             .message = fmt::format("{} is {}, but the receiver expects {}", what,
                                                    type_text(got), type_text(expected)),
                             .origin = origin,
                             .relay_path = std::move(path),
                             .trace = {}});
}

void throw_malformed_payload(std::string_view what, const ActorIdentity& origin,
                             std::vector<ActorIdentity> path) {
  throw RemoteError({.kind = wire::ErrorKind::Malformed,
                     .type_name = "tether::MalformedPayload",
                     .message = fmt::format("{} failed verification", what),
                     .origin = origin,
                     .relay_path = std::move(path),
                     .trace = {}});
}

}  // namespace tether
