// Every example in README.md and in the public headers, compiled. check_examples.py
// (a ctest) checks that each appears here verbatim, so the docs cannot drift from code
// that compiles. Outside the BEGIN/END markers: the scaffolding the prose leaves
// implicit (the variables an example uses). Nothing here runs.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "doc_messages_generated.h"
#include "primes.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/program.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/offload.hpp"
#include "tether/pool/pool.hpp"

#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"

using namespace std::chrono_literals;

namespace readme_first_example {
tether::task<void> example(std::string endpoint, AddArgsT args) {
// BEGIN README.md
// Exposed functions form a closed table, typed by your own FlatBuffers tables
// (generate them with tether_add_user_schema() from cmake/TetherSchemas.cmake).
tether::Functions functions;
functions.expose<AddArgs>("add", [](tether::Call&, const AddArgs& a) -> tether::task<SumT> {
  SumT sum;                                // object API out, the verified table read in place
  sum.value = a.a() + a.b();
  co_return sum;
});
// CPU-bound work runs off the actor's loop, so heartbeats, Cancel and other calls are
// still served meanwhile; cancelling the call requests a stop through the token.
functions.expose<Range>("count_primes", [](tether::Call&, const Range& r) -> tether::task<CountT> {
  const std::uint64_t begin = r.begin(), end = r.end();   // `r` lives in the request: copy
  CountT count;
  count.value = co_await tether::offload(
      [begin, end](std::stop_token stop) { return primes::count_in(begin, end, stop); });
  co_return count;
});

boost::asio::io_context io{1};            // one thread per actor
zmq::context_t zmq;
tether::Actor me(io.get_executor(), zmq, functions, {.name = "calculator"});

auto session = [&]() -> tether::task<void> {  // named: it must outlive its coroutine
  tether::Portal peer = co_await me.connect(endpoint);              // Hello/Welcome
  SumT sum = co_await peer.call<SumT>("add", args);                 // RemoteError on failure
  auto quick = co_await tether::move_on_after(100ms, peer.call<SumT>("slow", args));
};                                         // cancelling a call cancels the remote task
co_await me.run(session());
// END
}
}  // namespace readme_first_example

namespace readme_program {
inline RangeT range;
inline tether::task<CountT> count_primes(tether::Call&, const Range&) { co_return CountT{}; }
// BEGIN README.md
int main(int argc, char** argv) {
  tether::Program program(argc, argv);          // a spawned child re-enters here and serves
  program.expose<Range>("count_primes", count_primes);
  return program.run_root("root", [](tether::Actor& self) -> tether::task<void> {
    co_await tether::open_actor_nursery(self, [&](tether::ActorNursery& an) -> tether::task<void> {
      tether::Portal worker = co_await an.start_actor("worker");      // a child process
      CountT n = co_await worker.call<CountT>("count_primes", range);
      CountT m = co_await an.run_in_actor<CountT>("once", "count_primes", range);
    });  // every child stopped (Cancel -> SIGTERM -> SIGKILL) and reaped here;
  });    // failures re-raised together as tether::ErrorGroup
}
// END
}  // namespace readme_program

namespace readme_contexts {
tether::task<void> example(tether::Functions& functions, tether::Portal& worker, JobArgsT job,
                           std::uint64_t& total) {
// BEGIN README.md
// callee: started() once, then stream in either direction, then return
functions.expose_context<JobArgs>("produce", [](tether::Context& ctx, const JobArgs& job)
    -> tether::task<SummaryT> {
  co_await ctx.started(ReadyT{});
  ItemT item;
  for (std::uint64_t i = 0; i < job.count(); ++i) {
    item.seq = i;
    co_await ctx.stream().send(item);  // waits while the consumer has no room
  }
  ctx.stream().close();
  SummaryT summary;
  summary.items = job.count();
  co_return summary;
});

// caller
tether::RemoteContext ctx = co_await worker.open_context("produce", job);
while (auto item = co_await ctx.stream().receive<ItemT>()) total += item->seq;
SummaryT summary = co_await ctx.result<SummaryT>();
// END
}
}  // namespace readme_contexts

namespace readme_pool {
tether::task<void> example(tether::Actor& self, std::vector<RangeT> ranges, RangeT range) {
// BEGIN README.md
tether::PoolOptions options;  // named, then set: see the note on g++ below
options.workers = 4;
options.concurrency = 8;
co_await tether::open_pool(self, options, [&](tether::Pool& pool) -> tether::task<void> {
  std::vector<CountT> counts = co_await pool.map<CountT>("count_primes", ranges);  // in order
  auto done = co_await pool.map_unordered<CountT>("count_primes", ranges);         // as completed
  CountT one = co_await pool.apply<CountT>("count_primes", range);
});  // drains, then stops every worker (Cancel -> SIGTERM -> SIGKILL) and reaps it
// END
}
}  // namespace readme_pool

namespace header_functions {
void example() {
// BEGIN tether/actor/functions.hpp
tether::Functions functions;
functions.expose<AddArgs>("add", [](tether::Call&, const AddArgs& a) -> tether::task<SumT> {
  SumT sum;
  sum.value = a.a() + a.b();
  co_return sum;
});
// END
}
}  // namespace header_functions

namespace header_portal {
tether::task<void> example(tether::Portal& portal) {
// BEGIN tether/actor/portal.hpp
AddArgsT args;
args.a = 1;
args.b = 2;
SumT sum = co_await portal.call<SumT>("add", args);
// END
}
}  // namespace header_portal

namespace header_context {
using namespace tether;
task<void> example(Functions& functions, Portal& portal, JobArgsT job, std::uint64_t& total) {
// BEGIN tether/actor/context.hpp
// callee
functions.expose_context<JobArgs>("produce", [](Context& ctx, const JobArgs& job)
    -> task<SummaryT> {
  co_await ctx.started(ReadyT{});  // exactly once, before streaming
  ItemT item;
  for (std::uint64_t i = 0; i < job.count(); ++i) {
    item.seq = i;
    co_await ctx.stream().send(item);
  }
  ctx.stream().close();
  SummaryT summary;
  summary.items = job.count();
  co_return summary;
});

// caller
RemoteContext ctx = co_await portal.open_context("produce", job);
ReadyT ready = ctx.first<ReadyT>();
while (auto item = co_await ctx.stream().receive<ItemT>()) total += item->seq;
SummaryT summary = co_await ctx.result<SummaryT>();
// END
}
}  // namespace header_context

namespace header_offload {
std::uint64_t hash_file(const std::string&, std::stop_token) { return 0; }
tether::task<void> example(std::string path) {
// BEGIN tether/concurrency/offload.hpp
auto digest = co_await tether::offload([&](std::stop_token stop) {
  return hash_file(path, stop);   // polls stop.stop_requested() now and then
});
// END
}
}  // namespace header_offload

namespace header_pool {
tether::task<void> example(tether::Actor& self, tether::PoolOptions options,
                           std::vector<RangeT> ranges) {
// BEGIN tether/pool/pool.hpp
co_await tether::open_pool(self, options, [&](tether::Pool& pool) -> tether::task<void> {
  std::vector<CountT> counts = co_await pool.map<CountT>("count_primes", ranges);
});
// END
}
}  // namespace header_pool

namespace header_program {
tether::task<SumT> add(tether::Call&, const AddArgs&) { co_return SumT{}; }
tether::task<void> app(tether::Actor&) { co_return; }
// BEGIN tether/actor/program.hpp
int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.expose<AddArgs>("add", add);
  return program.run_root("app", app);   // a child re-enters here and serves
}
// END
}  // namespace header_program
