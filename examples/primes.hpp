#pragma once
// The CPU-bound work both prime examples share: counting the primes in [begin, end)
// with a segmented sieve of Eratosthenes. Pure C++ with no tether in it: the examples
// run it off the actor's loop with tether::offload, and it checks the stop token once
// per segment, so cancelling the call that runs it takes effect within milliseconds.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stop_token>
#include <vector>

namespace primes {

/// The largest r with r * r <= n.
inline std::uint64_t integer_sqrt(std::uint64_t n) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (r * r > n) --r;
  while ((r + 1) * (r + 1) <= n) ++r;
  return r;
}

/// The number of primes p with begin <= p < end; 0 if `stop` was requested meanwhile.
inline std::uint64_t count_in(std::uint64_t begin, std::uint64_t end, std::stop_token stop = {}) {
  begin = std::max<std::uint64_t>(begin, 2);
  if (begin >= end) return 0;
  // Primes up to sqrt(end - 1): every composite below end has a factor among them.
  const std::uint64_t root = integer_sqrt(end - 1);
  std::vector<bool> composite(root + 1, false);
  std::vector<std::uint64_t> base;
  for (std::uint64_t n = 2; n <= root; ++n) {
    if (composite[n]) continue;
    base.push_back(n);
    for (std::uint64_t m = n * n; m <= root; m += n) composite[m] = true;
  }
  constexpr std::uint64_t kSegment = 1 << 18;  // fits in L2
  std::vector<char> sieve(kSegment);
  std::uint64_t count = 0;
  for (std::uint64_t low = begin; low < end; low += kSegment) {
    if (stop.stop_requested()) return 0;
    const std::uint64_t high = std::min(end, low + kSegment);
    std::fill(sieve.begin(), sieve.begin() + (high - low), 1);
    for (const std::uint64_t p : base) {
      if (p * p >= high) break;
      for (std::uint64_t m = std::max(p * p, (low + p - 1) / p * p); m < high; m += p)
        sieve[m - low] = 0;
    }
    count += static_cast<std::uint64_t>(std::count(sieve.begin(), sieve.begin() + (high - low), 1));
  }
  return count;
}

}  // namespace primes
