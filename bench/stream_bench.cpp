// Stream benchmark: one-way throughput of a context's stream (a source actor on its own
// thread and loop, as a separate process would be, streaming raw items to a caller)
// against raw ZeroMQ one-way DEALER -> ROUTER throughput, alternating rounds in the
// same run so both see the same machine.
//
//   stream_bench [--quick]
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "bench_messages_generated.h"
#include "actor_thread.hpp"
#include "bench_report.hpp"
#include "raw_floor.hpp"
#include "tether/actor/actor.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

/// An actor on its own thread exposing the context "source": streams `count` raw items
/// of `size` bytes (Blob.data's length says the size; its first 8 bytes the count).
class SourceActor {
 public:
  SourceActor(zmq::context_t& ctx, const std::string& endpoint)
      : functions_(source_functions()), thread_(ctx, functions_, "source", endpoint) {}
  const std::string& endpoint() const { return thread_.endpoint(); }

 private:
  static tether::Functions source_functions() {
    tether::Functions f;
    f.expose_context<tether::bench::Blob>(
        "source",
        [](tether::Context& c, const tether::bench::Blob& spec) -> tether::task<void> {
          std::uint64_t count = 0;
          std::memcpy(&count, spec.data()->data(), sizeof count);
          std::vector<std::uint8_t> item(spec.data()->size(), 'x');
          co_await c.started();
          for (std::uint64_t i = 0; i < count; ++i) co_await c.stream().send_raw(item);
          c.stream().close();
        },
        tether::StreamOptions{.window = 1024});
    return f;
  }
  tether::Functions functions_;
  tether::bench::ActorThread thread_;
};

/// Receives `count` items from the source; returns items per second, first to last.
tether::task<double> receive_all(tether::Actor& caller, std::string source_endpoint,
                                 std::size_t payload, std::uint64_t count) {
  tether::Portal portal = co_await caller.connect(source_endpoint);
  tether::bench::BlobT spec;
  spec.data.assign(std::max<std::size_t>(payload, sizeof count), 'x');
  std::memcpy(spec.data.data(), &count, sizeof count);
  const tether::StreamOptions window{.window = 1024};
  tether::RemoteContext stream = co_await portal.open_context("source", spec, window);
  Clock::time_point first = Clock::now();
  std::uint64_t received = 0;
  for (;;) {
    auto item = co_await stream.stream().receive_packed();
    if (!item) break;
    if (received == 0) first = Clock::now();
    ++received;
  }
  co_await stream.result_void();
  if (received != count) throw std::runtime_error("items lost");
  co_return static_cast<double>(received - 1) /
      std::chrono::duration<double>(Clock::now() - first).count();
}

double stream_rate(zmq::context_t& ctx, const std::string& caller_ep, const SourceActor& source,
                   std::size_t payload, std::uint64_t count) {
  asio::io_context io{1};
  tether::Functions none;
  tether::Actor caller(io.get_executor(), ctx, none, tether::bench::bench_actor_options("sink", caller_ep));
  double rate = 0;
  asio::co_spawn(io, caller.run(receive_all(caller, source.endpoint(), payload, count)),
                 [&](std::exception_ptr e, double r) {
                   io.stop();
                   if (e) std::rethrow_exception(e);
                   rate = r;
                 });
  io.run();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int rounds = quick ? 1 : 5;
  char dir_template[] = "/tmp/tether-stream-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  auto ipc = [&](const std::string& name) { return "ipc://" + (dir / name).string(); };

  zmq::context_t ctx;
  SourceActor source(ctx, ipc("source"));
  std::vector<tether::bench::Row> rows;
  for (const std::size_t payload : {std::size_t{64}, std::size_t{4096}}) {
    const std::uint64_t count = payload == 64 ? (quick ? 50'000 : 300'000) : (quick ? 20'000 : 100'000);
    std::vector<double> raw, streamed;
    for (int r = 0; r < rounds; ++r) {  // alternate: both see the same machine
      raw.push_back(tether::bench::raw_one_way_rate(ctx, ipc("raw-" + std::to_string(r) + "-" +
                                                                 std::to_string(payload)),
                                                    payload, static_cast<int>(count)));
      streamed.push_back(stream_rate(ctx, ipc("sink-" + std::to_string(r) + "-" +
                                              std::to_string(payload)),
                                     source, payload, count));
    }
    rows.push_back({"ipc", std::to_string(payload) + " B", "one-way msgs/s",
                    tether::bench::median(raw), tether::bench::median(streamed), false, 0.5});
  }
  std::printf("stream: source actor -> caller through one context (window 1024), raw items;\n");
  std::printf("floor: raw DEALER -> ROUTER one-way; medians of %d alternating rounds\n\n", rounds);
  tether::bench::print_table(rows);
  std::filesystem::remove_all(dir);
  return 0;
}
