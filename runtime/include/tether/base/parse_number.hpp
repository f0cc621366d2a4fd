#pragma once
// The one parser of numbers that people and parents type: program options, ports in
// endpoints, the internal argv of a child actor. Decimal digits only, the whole text,
// range-checked; it never throws, so a bad value becomes a message, not an abort.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "tether/base/result.hpp"

namespace tether {

/// Inclusive bounds a number must fall within.
struct NumberRange {
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
};

/// The value of `text` if it is a decimal number within `range`; else why it is not,
/// as a phrase to follow the value ("is not a number", "is above the maximum 65535").
Result<std::uint64_t, std::string> parse_number(std::string_view text, NumberRange range = {});

}  // namespace tether
