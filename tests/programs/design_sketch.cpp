// DESIGN.md's sketch of what user code feels like, with only <tether/tether.hpp>: a
// consumer's view of the public headers. A test runs it (examples_test.cpp).
#include <tether/tether.hpp>

#include <cstdio>

#include "doc_messages_generated.h"

namespace t = tether;

// An exposed function: typed FlatBuffers in/out.
t::task<SumT> add(t::Call&, const AddArgs& args) {
  SumT sum;
  sum.value = args.a() + args.b();
  co_return sum;
}

AddArgsT add_args(std::int64_t a, std::int64_t b) {
  AddArgsT args;
  args.a = a;
  args.b = b;
  return args;
}

t::task<void> app(t::Actor& self) {
  co_await t::open_actor_nursery(self, [&](t::ActorNursery& an) -> t::task<void> {
    t::Portal worker = co_await an.start_actor("worker");  // a child process
    const SumT s = co_await worker.call<SumT>("add", add_args(1, 2));
    const SumT r = co_await an.run_in_actor<SumT>("once", "add", add_args(3, 4));
    std::printf("sketch: %lld %lld\n", static_cast<long long>(s.value),
                static_cast<long long>(r.value));
  });  // every child reaped here
}

int main(int argc, char** argv) {
  t::Program program(argc, argv);  // a spawned child re-enters here in its actor role
  program.expose<AddArgs>("add", add);
  return program.run_root("app", app);
}
