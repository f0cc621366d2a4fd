// Micro-benchmarks of the per-message wire work: encode with a reused builder, verify.
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "tether/wire/encoder.hpp"
#include "tether/wire/verify.hpp"

namespace {

std::span<const std::uint8_t> encode(tether::wire::Encoder& e,
                                     const std::vector<std::uint8_t>& data) {
  return e.encode({.msg_id = 1, .from = {"uid", "bench", 1}, .call_id = 3},
                  [&](flatbuffers::FlatBufferBuilder& b) {
                    auto p = tether::wire::CreatePayload(b, 0, b.CreateVector(data));
                    return tether::wire::CreateYield(b, 1, p);
                  });
}

void BM_EncodeYield(benchmark::State& state) {
  tether::wire::Encoder encoder;
  std::vector<std::uint8_t> data(state.range(0), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(encode(encoder, data).data());
}
BENCHMARK(BM_EncodeYield)->Arg(64)->Arg(4096);

void BM_VerifyYield(benchmark::State& state) {
  tether::wire::Encoder encoder;
  std::vector<std::uint8_t> data(state.range(0), 'x');
  auto bytes = encode(encoder, data);
  std::vector<std::uint64_t> aligned((bytes.size() + 7) / 8);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const std::span<const std::uint8_t> view(reinterpret_cast<const std::uint8_t*>(aligned.data()),
                                           bytes.size());
  for (auto _ : state) benchmark::DoNotOptimize(tether::wire::verify_envelope(view).ok());
}
BENCHMARK(BM_VerifyYield)->Arg(64)->Arg(4096);

}  // namespace
