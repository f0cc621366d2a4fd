// A busy actor is not a dead actor (DESIGN.md "Semantics" 11): CPU-bound work offloaded
// to the thread pool leaves the loop free to answer heartbeats and Cancel.
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "roles.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"

namespace tether::test {
namespace {

namespace asio = boost::asio;

class Offload : public ::testing::Test {
 protected:
  void TearDown() override {
    callee.process.signal(SIGKILL);
    (void)callee.process.wait(5s);
    reap_zombies();
    EXPECT_TRUE(live_children().empty());
  }

  RoleProcess callee = start_role("callee", "cruncher");
  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("caller")};
};

TEST_F(Offload, AFunctionBusyForLongerThanTheHeartbeatTimeoutIsNotMistakenForALostPeer) {
  run_bounded(io, [&]() -> task<void> {
    auto body = [&]() -> task<void> {
      Portal cruncher = co_await me.connect(callee.endpoint);
      SleepArgsT busy;
      busy.ms = 1000;  // the link timeout here is 300 ms (100 ms x 3)
      EXPECT_EQ((co_await cruncher.call<SumT>("crunch", busy)).value, 1);
      // And the loop answered other calls meanwhile.
      AddArgsT args;
      args.a = 1;
      args.b = 2;
      EXPECT_EQ((co_await cruncher.call<SumT>("add", args)).value, 3);
    };
    co_await me.run(body());
  });
}

TEST_F(Offload, CancellingTheCallStopsTheOffloadedWorkThroughItsToken) {
  run_bounded(io, [&]() -> task<void> {
    auto body = [&]() -> task<void> {
      Portal cruncher = co_await me.connect(callee.endpoint);
      SleepArgsT forever;
      forever.ms = 60'000;
      bool timed_out = false;
      try {
        CallOptions options;
        options.timeout = 200ms;
        (void)co_await cruncher.call<SumT>("crunch", forever, options);
      } catch (const Timeout&) {
        timed_out = true;  // our deadline fired first
      } catch (const RemoteError& e) {
        timed_out = e.type_name() == "tether::Timeout";  // the callee enforced it first
      }
      EXPECT_TRUE(timed_out);
      const AddArgsT nothing;
      std::uint64_t stopped = 0;
      for (int i = 0; i < 500 && stopped == 0; ++i) {
        stopped = (co_await cruncher.call<CountT>("crunches_stopped", nothing)).value;
        if (stopped == 0) co_await sleep_for(5ms);
      }
      EXPECT_EQ(stopped, 1u) << "the token never reached the worker thread";
    };
    co_await me.run(body());
  });
}

}  // namespace
}  // namespace tether::test
