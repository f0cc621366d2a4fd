#pragma once

#include <cstdint>

namespace tether::transport {

/// Counters of one Socket, for tests, `tether ps` and logs. Only the loop thread writes.
struct Stats {
  std::uint64_t received = 0;          // verified messages delivered to the inbox
  std::uint64_t sent = 0;              // messages handed to zmq
  std::uint64_t malformed = 0;         // dropped: failed verification, bad framing
  std::uint64_t oversized = 0;         // dropped: envelope over the verify limit
  std::uint64_t unsupported = 0;       // answered with Error: body type unknown to us
  std::uint64_t unroutable = 0;        // dropped: destination peer unknown (EHOSTUNREACH)
  std::uint64_t would_block = 0;       // sends parked because a peer was full (EAGAIN)
  std::uint64_t dropped_on_close = 0;  // queued messages discarded by close()
};

}  // namespace tether::transport
