#pragma once
// The raw-libzmq floor every benchmark compares against, measured in the same run:
// a DEALER client and a ROUTER echo server on their own threads, no tether code.

#include <string>
#include <vector>

#include <zmq.hpp>

namespace tether::bench {

/// Round trips of `payload` bytes, one at a time: per-trip latency in microseconds.
std::vector<double> raw_round_trips(zmq::context_t& ctx, const std::string& endpoint,
                                    std::size_t payload, int warmup, int iterations);

/// A raw echo pair kept up across measurements, for interleaving raw and tether chunks
/// so both see the same machine conditions (noisy VMs move medians by 2x between runs).
class RawEchoPair {
 public:
  RawEchoPair(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload);
  ~RawEchoPair();
  /// One round trip; returns its latency in microseconds.
  double round_trip();

 private:
  struct State;
  State* state_;
};

/// Round trips with `window` requests in flight: completed trips per second.
double raw_pipelined_rate(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload,
                          int window, int total);

/// One-way messages per second, measured at the receiver.
double raw_one_way_rate(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload,
                        int messages);

}  // namespace tether::bench
