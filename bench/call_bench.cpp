// Call benchmark: call -> return between two actors (each on its own thread and loop,
// as two actor processes would be) against raw ZeroMQ ping-pong in the same run.
//
//   call_bench [--quick]
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
#include "tether/concurrency/nursery.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using tether::bench::median;

namespace {

struct Settings {
  int warmup = 1000;
  int iterations = 10'000;
  int rate_calls = 20'000;
};

/// The callee: an actor on its own thread exposing "echo".
class EchoActor {
 public:
  EchoActor(zmq::context_t& ctx, const std::string& endpoint)
      : functions_(echo_functions()), thread_(ctx, functions_, "echo", endpoint) {}
  const std::string& endpoint() const { return thread_.endpoint(); }

 private:
  static tether::Functions echo_functions() {
    tether::Functions f;
    f.expose<tether::bench::Blob>(
        "echo",
        [](tether::Call&, const tether::bench::Blob& in) -> tether::task<tether::bench::BlobT> {
          tether::bench::BlobT out;
          if (in.data()) out.data.assign(in.data()->begin(), in.data()->end());
          co_return out;
        });
    return f;
  }
  tether::Functions functions_;
  tether::bench::ActorThread thread_;
};

/// Runs `body(portal)` in a caller actor connected to `endpoint`.
template <class Body>
void with_caller(zmq::context_t& ctx, const std::string& bind, const std::string& endpoint,
                 Body body) {
  asio::io_context io{1};
  tether::Functions none;
  tether::Actor caller(io.get_executor(), ctx, none, tether::bench::bench_actor_options("caller", bind));
  asio::co_spawn(io, caller.run([&]() -> tether::task<void> {
    tether::Portal portal = co_await caller.connect(endpoint);
    co_await body(portal);
  }()),
                 [&](std::exception_ptr e) {
                   io.stop();
                   if (e) std::rethrow_exception(e);
                 });
  io.run();
}

struct Latencies {
  std::vector<double> raw;
  std::vector<double> tether;
};

/// Raw and tether round trips in alternating chunks of `chunk`, same payload.
Latencies interleaved_round_trips(zmq::context_t& ctx, const std::string& raw_ep,
                                  const std::string& callee_ep, const std::string& caller_ep,
                                  std::size_t payload, const Settings& s) {
  constexpr int kChunk = 250;
  tether::bench::RawEchoPair raw(ctx, raw_ep, payload);
  EchoActor echo(ctx, callee_ep);
  Latencies out;
  with_caller(ctx, caller_ep, echo.endpoint(), [&](tether::Portal& portal) -> tether::task<void> {
    tether::bench::BlobT blob;
    blob.data.assign(payload, 'x');
    for (int done = -s.warmup; done < s.iterations; done += kChunk) {
      for (int i = 0; i < kChunk; ++i) {
        const double us = raw.round_trip();
        if (done >= 0) out.raw.push_back(us);
      }
      for (int i = 0; i < kChunk; ++i) {
        const auto t0 = Clock::now();
        auto reply = co_await portal.call<tether::bench::BlobT>("echo", blob);
        if (reply.data.size() != payload) throw std::runtime_error("bad echo");
        if (done >= 0)
          out.tether.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    }
  });
  return out;
}

double tether_call_rate(zmq::context_t& ctx, const std::string& callee_ep,
                        const std::string& caller_ep, std::size_t payload, int concurrency,
                        int total) {
  EchoActor echo(ctx, callee_ep);
  double rate = 0;
  with_caller(ctx, caller_ep, echo.endpoint(), [&](tether::Portal& portal) -> tether::task<void> {
    tether::bench::BlobT blob;
    blob.data.assign(payload, 'x');
    const auto t0 = Clock::now();
    co_await tether::open_nursery([&](tether::Nursery& n) -> tether::task<void> {
      for (int c = 0; c < concurrency; ++c)
        n.start_soon(
            [](tether::Portal& p, const tether::bench::BlobT& b, int calls) -> tether::task<void> {
              for (int i = 0; i < calls; ++i)
                (void)co_await p.call<tether::bench::BlobT>("echo", b);
            }(portal, blob, total / concurrency));
      co_return;
    });
    rate = (total / concurrency) * concurrency /
           std::chrono::duration<double>(Clock::now() - t0).count();
  });
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  if (argc > 1 && std::strcmp(argv[1], "--quick") == 0)
    s = {.warmup = 250, .iterations = 1000, .rate_calls = 4000};
  zmq::context_t ctx;
  const std::string dir = "/tmp/tether-call-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  int counter = 0;
  std::vector<tether::bench::Row> rows;
  for (const std::string transport : {"ipc", "tcp"}) {
    auto ep = [&] {
      return transport == "ipc" ? "ipc://" + dir + "/ep" + std::to_string(counter++)
                                : std::string("tcp://127.0.0.1:*");
    };
    for (const std::size_t payload : {std::size_t{0}, std::size_t{4096}}) {
      const std::string size = payload == 0 ? "empty" : "4 KiB";
      const auto lat = interleaved_round_trips(ctx, ep(), ep(), ep(), payload, s);
      rows.push_back({transport, size, "call round trip med us", median(lat.raw),
                      median(lat.tether), true, 1.5});
    }
    for (const int concurrency : {1, 64}) {
      const double raw = tether::bench::raw_pipelined_rate(ctx, ep(), 0, concurrency, s.rate_calls);
      const double ours = tether_call_rate(ctx, ep(), ep(), 0, concurrency, s.rate_calls);
      rows.push_back({transport, "empty", "calls/s, " + std::to_string(concurrency) + " in flight",
                      raw, ours, false, 0});
    }
  }
  std::filesystem::remove_all(dir);
  tether::bench::print_table(rows);
  std::printf(
      "(raw rows: ZeroMQ DEALER/ROUTER echo with the same payload and requests in flight;"
      " for scale, tractor does ~565 calls/s here)\n");
}
