#include "tether/base/random_id.hpp"

#include <random>

#include <fmt/core.h>

namespace tether {

std::string random_uid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

}  // namespace tether
