// pipeline: producer -> transformer -> consumer, three actor processes joined by streams.
//
// The root starts the three; the consumer finds the transformer, and the transformer the
// producer, by name through the registry (the root hosts it: zero config). Each link is
// a context with a credit-controlled stream, so the slowest stage sets the pace and
// nothing is buffered without bound or dropped.
//
//   pipeline [--count N]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "pipeline_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/program.hpp"

namespace {

using namespace std::chrono_literals;

void say(const tether::Actor& self, const std::string& what) {
  std::printf("[%-11s pid %6d] %s\n", self.identity().name.c_str(), ::getpid(), what.c_str());
  std::fflush(stdout);
}

/// Producer: streams 1..count.
tether::task<pipeline::SummaryT> produce(tether::Context& ctx, const pipeline::Job& job) {
  co_await ctx.started();
  pipeline::NumberT number;
  for (std::uint64_t i = 1; i <= job.count(); ++i) {
    number.value = i;
    co_await ctx.stream().send(number);
  }
  ctx.stream().close();
  say(ctx.actor(), "produced " + std::to_string(job.count()) + " numbers");
  pipeline::SummaryT done;
  done.items = job.count();
  co_return done;
}

/// Transformer: squares what the producer sends and passes it on.
tether::task<pipeline::SummaryT> transform(tether::Context& ctx, const pipeline::Job& job) {
  tether::Portal producer = co_await ctx.actor().wait_for_actor("producer", 10s);
  pipeline::JobT same;
  same.count = job.count();
  tether::RemoteContext upstream = co_await producer.open_context("produce", same);
  co_await ctx.started();
  pipeline::SummaryT done;
  while (auto n = co_await upstream.stream().receive<pipeline::NumberT>()) {
    n->value *= n->value;
    co_await ctx.stream().send(*n);
    ++done.items;
  }
  ctx.stream().close();
  (void)co_await upstream.result<pipeline::SummaryT>();
  say(ctx.actor(), "squared " + std::to_string(done.items) + " numbers");
  co_return done;
}

/// Consumer: adds up what the transformer sends.
tether::task<pipeline::SummaryT> consume(tether::Call& call, const pipeline::Job& job) {
  tether::Portal transformer = co_await call.actor().wait_for_actor("transformer", 10s);
  pipeline::JobT same;
  same.count = job.count();
  tether::RemoteContext upstream = co_await transformer.open_context("transform", same);
  pipeline::SummaryT summary;
  while (auto n = co_await upstream.stream().receive<pipeline::NumberT>()) {
    summary.sum += n->value;
    ++summary.items;
  }
  (void)co_await upstream.result<pipeline::SummaryT>();
  say(call.actor(), "consumed " + std::to_string(summary.items) + " numbers, sum " +
                        std::to_string(summary.sum));
  co_return summary;
}

}  // namespace

int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.functions().expose_context<pipeline::Job>("produce", produce);
  program.functions().expose_context<pipeline::Job>("transform", transform);
  program.expose<pipeline::Job>("consume", consume);

  program.describe("pipeline: producer -> transformer -> consumer, joined by streams");
  // The consumer's sum is 64 bits wide: past this count the sum of squares would wrap.
  constexpr std::uint64_t kMaxCount = 3'810'777;
  const std::uint64_t count = program.number_option(
      "--count", 100'000, {.help = "numbers to stream through", .min = 1, .max = kMaxCount});
  return program.run_root("root", [&](tether::Actor& self) -> tether::task<void> {
    const auto started = std::chrono::steady_clock::now();
    pipeline::SummaryT summary;
    co_await tether::open_actor_nursery(self, [&](tether::ActorNursery& an) -> tether::task<void> {
      (void)co_await an.start_actor("producer");
      (void)co_await an.start_actor("transformer");
      tether::Portal consumer = co_await an.start_actor("consumer");
      pipeline::JobT job;
      job.count = count;
      summary = co_await consumer.call<pipeline::SummaryT>("consume", job);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // sum of squares 1..n = n(n+1)(2n+1)/6; the product before the division needs more
    // than 64 bits above n ~ 2.1 million, the quotient fits them up to kMaxCount.
    const auto n = static_cast<unsigned __int128>(count);
    const auto expected = static_cast<std::uint64_t>(n * (n + 1) * (2 * n + 1) / 6);
    say(self, "sum of squares 1.." + std::to_string(count) + " = " + std::to_string(summary.sum) +
                  (summary.sum == expected ? " (correct)" : " (WRONG)") + ", " +
                  std::to_string(static_cast<std::uint64_t>(summary.items / seconds)) +
                  " items/s through 2 hops");
    if (summary.sum != expected) throw std::runtime_error("the pipeline lost or changed items");
  });
}
