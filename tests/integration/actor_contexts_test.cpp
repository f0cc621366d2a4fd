// Contexts and streams between real processes (DESIGN.md "Semantics" 8): started value,
// both directions, stream end, errors and cancellation from either side, backpressure.
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "connected_session.hpp"
#include "roles.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/nursery.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;

class ActorContexts : public ::testing::Test {
 protected:
  void TearDown() override {
    callee.process.signal(SIGKILL);
    (void)callee.process.wait(5s);
    reap_zombies();
    EXPECT_TRUE(live_children().empty()) << "a process outlived its test";
  }

  /// Runs `body(portal)` as the test actor, connected to the callee process.
  template <class Body>
  void with_callee(Body body, std::chrono::milliseconds bound = 30s) {
    with_connection(io, me, callee.endpoint, std::move(body), bound);
  }

  static ProduceArgsT produce(std::uint64_t count, std::uint32_t payload = 8) {
    ProduceArgsT a;
    a.count = count;
    a.payload = payload;
    return a;
  }
  static CountT count(std::uint64_t n) {
    CountT c;
    c.value = n;
    return c;
  }

  RoleProcess callee = start_role("callee", "streamer");
  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("caller")};
};

TEST_F(ActorContexts, TheStartedValueComesFirstThenEveryItemInOrderThenTheEndAndTheResult) {
  with_callee([&](Portal& portal) -> task<void> {
    RemoteContext ctx = co_await portal.open_context("produce", produce(500));
    EXPECT_EQ(ctx.first<TextT>().text, "ready");
    std::uint64_t expected = 0;
    while (auto item = co_await ctx.stream().receive<ItemT>()) {
      EXPECT_EQ(item->seq, expected);
      EXPECT_EQ(item->data.size(), 8u);
      ++expected;
    }
    EXPECT_EQ(expected, 500u);
    EXPECT_FALSE(co_await ctx.stream().receive<ItemT>());  // still ended
    EXPECT_EQ((co_await ctx.result<SumT>()).value, 500);
  });
}

TEST_F(ActorContexts, AStreamCarriesItemsBothWaysUntilBothSidesClose) {
  with_callee([&](Portal& portal) -> task<void> {
    RemoteContext ctx = co_await portal.open_context("echo_stream", count(0));
    ItemT item;
    for (std::uint64_t i = 0; i < 300; ++i) {  // more than a window, interleaved
      item.seq = i;
      item.data = {static_cast<std::uint8_t>(i)};
      co_await ctx.stream().send(item);
      auto back = co_await ctx.stream().receive<ItemT>();
      TETHER_CO_ASSERT(back.has_value());
      EXPECT_EQ(back->seq, i);
      EXPECT_EQ(back->data, item.data);
    }
    ctx.stream().close();
    EXPECT_FALSE(co_await ctx.stream().receive<ItemT>());  // the callee closed in turn
    EXPECT_EQ((co_await ctx.result<CountT>()).value, 300u);
  });
}

TEST_F(ActorContexts, ACalleeErrorMidStreamReachesTheCallerAsATypedRemoteError) {
  with_callee([&](Portal& portal) -> task<void> {
    RemoteContext ctx = co_await portal.open_context("fail_midstream", count(10));
    std::uint64_t received = 0;
    std::string stream_error;
    try {
      while (co_await ctx.stream().receive<ItemT>()) ++received;
    } catch (const RemoteError& e) {
      stream_error = e.type_name();
    }
    EXPECT_EQ(received, 10u) << "items sent before the error are all delivered";
    EXPECT_EQ(stream_error, "std::domain_error");
    bool result_failed = false;
    try {
      (void)co_await ctx.result<SumT>();
    } catch (const RemoteError& e) {
      result_failed = true;
      EXPECT_EQ(e.origin().name, "streamer");
      EXPECT_NE(std::string(e.what()).find("failed after 10 items"), std::string::npos);
    }
    EXPECT_TRUE(result_failed);
  });
}

TEST_F(ActorContexts, TheCallerCancellingMidStreamCancelsTheRemoteTaskAndIsAcknowledged) {
  with_callee([&](Portal& portal) -> task<void> {
    const AddArgsT nothing;
    const auto before = (co_await portal.call<CountT>("cancellations", nothing)).value;
    {
      RemoteContext ctx = co_await portal.open_context("wait_forever", count(0));
      ItemT item;
      for (int i = 0; i < 5; ++i) co_await ctx.stream().send(item);
      co_await ctx.cancel();  // returns once the callee acknowledged
      EXPECT_TRUE(ctx.finished());
      bool cancelled = false;
      try {
        co_await ctx.result_void();
      } catch (const RemoteError& e) {
        cancelled = e.kind() == wire::ErrorKind::Cancelled;
      }
      EXPECT_TRUE(cancelled);
    }
    // A task cancelled while it waits on the stream cancels the remote side too.
    {
      RemoteContext ctx = co_await portal.open_context("wait_forever", count(0));
      auto waited = co_await move_on_after(50ms, ctx.result_void());
      EXPECT_FALSE(waited);
      EXPECT_TRUE(ctx.finished()) << "the cancellation waited for the CancelAck";
    }
    const auto after = (co_await portal.call<CountT>("cancellations", nothing)).value;
    EXPECT_EQ(after, before + 2) << "the remote tasks saw both cancellations";
  });
}

TEST_F(ActorContexts, ACalleeThatCancelsItselfEndsTheCallersStreamWithACancellation) {
  with_callee([&](Portal& portal) -> task<void> {
    RemoteContext ctx = co_await portal.open_context("cancel_self", count(0));
    bool cancelled = false;
    try {
      while (co_await ctx.stream().receive<ItemT>()) {
      }
    } catch (const RemoteError& e) {
      cancelled = e.kind() == wire::ErrorKind::Cancelled;
    }
    EXPECT_TRUE(cancelled);
  });
}

TEST_F(ActorContexts, ASlowConsumerSlowsTheProducerWithBoundedMemoryAndNothingLost) {
  with_callee([&](Portal& portal) -> task<void> {
    SleepArgsT per_item;
    per_item.ms = 2;  // the producer below does nothing but send: >100x faster
    RemoteContext ctx = co_await portal.open_context("consume_slowly", per_item);
    ItemT item;
    item.data.assign(64, 1);
    const std::uint64_t total = 400;
    std::uint64_t checksum = 0;
    bool ran_out_of_credit = false;
    for (std::uint64_t i = 0; i < total; ++i) {
      item.seq = i;
      checksum += i;
      EXPECT_LE(ctx.stream().credit(), 16u) << "more credit than the consumer's window";
      ran_out_of_credit = ran_out_of_credit || ctx.stream().credit() == 0;
      co_await ctx.stream().send(item);  // waits while there is no credit
    }
    EXPECT_TRUE(ran_out_of_credit) << "the producer never had to wait for the consumer";
    ctx.stream().close();
    const auto report = co_await ctx.result<StreamReportT>();
    EXPECT_EQ(report.items, total);
    EXPECT_EQ(report.checksum, checksum);
    EXPECT_LE(report.max_buffered, 16u) << "the consumer buffered more than its window";
  },
              60s);
}

TEST_F(ActorContexts, AMillionMessagesPassThroughOneStreamInOrder) {
  with_callee(
      [&](Portal& portal) -> task<void> {
        const std::uint64_t total = 1'000'000;
        RemoteContext ctx = co_await portal.open_context("produce", produce(total, 0));
        std::uint64_t expected = 0;
        bool in_order = true;
        while (auto item = co_await ctx.stream().receive<ItemT>()) {
          in_order = in_order && item->seq == expected;
          ++expected;
        }
        EXPECT_TRUE(in_order);
        EXPECT_EQ(expected, total);
        EXPECT_EQ((co_await ctx.result<SumT>()).value, static_cast<std::int64_t>(total));
      },
      300s);
}

TEST_F(ActorContexts, CallingAContextFunctionPlainlyIsAClearErrorAndViceVersa) {
  with_callee([&](Portal& portal) -> task<void> {
    std::string plain, context_error;
    try {
      (void)co_await portal.call<SumT>("produce", produce(1));
    } catch (const RemoteError& e) {
      plain = e.what();
    }
    try {
      const AddArgsT args;
      (void)co_await portal.open_context("add", args);
    } catch (const RemoteError& e) {
      context_error = e.what();
    }
    EXPECT_NE(plain.find("use open_context"), std::string::npos) << plain;
    EXPECT_NE(context_error.find("use call"), std::string::npos) << context_error;
  });
}

}  // namespace
}  // namespace tether::test
