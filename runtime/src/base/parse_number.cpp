#include "tether/base/parse_number.hpp"

#include <charconv>
#include <system_error>

namespace tether {

namespace {

bool negative(std::string_view text) {
  return text.size() > 1 && text[0] == '-' && text[1] >= '0' && text[1] <= '9';
}

}  // namespace

Result<std::uint64_t, std::string> parse_number(std::string_view text, NumberRange range) {
  // from_chars takes no sign, space or base prefix for unsigned: "-5" is not a number
  // here, rather than the huge value strtoull would make of it.
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error == std::errc::invalid_argument || stop != end)
    return Err{std::string(negative(text) ? "is negative" : "is not a number")};
  if (error == std::errc::result_out_of_range || value > range.max)
    return Err{"is above the maximum " + std::to_string(range.max)};
  if (value < range.min) return Err{"is below the minimum " + std::to_string(range.min)};
  return value;
}

}  // namespace tether
