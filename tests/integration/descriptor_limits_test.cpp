// Running out of file descriptors is a typed error, never an abort: programs under a
// small `ulimit -n` either work or say which limit ran out, and a flood of connections
// makes an inbox stop accepting (and later accept again) while it keeps serving.
#include <signal.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "run_program.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "test_messages_generated.h"
#include "tether/base/descriptors.hpp"

namespace tether::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DescriptorLimits, ExamplesUnderASmallUlimitSucceedOrSayWhichLimitRanOut) {
  const std::string examples = TETHER_EXAMPLES_DIR;
  const std::vector<std::string> programs{examples + "/prime_tree --limit 200000 --workers 3",
                                          examples + "/parallel_map --limit 2000000 --workers 4"};
  for (const int limit : {12, 16, 24, 64}) {
    for (const auto& program : programs) {
      SCOPED_TRACE("ulimit -n " + std::to_string(limit) + "; " + program);
      TempDir runtime;
      const ProgramRun run = run_program(
          {"/bin/sh", "-c", "ulimit -n " + std::to_string(limit) + "; exec " + program},
          {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"TETHER_REGISTRY", std::nullopt}},
          60s);
      EXPECT_FALSE(run.timed_out);
      EXPECT_EQ(run.signal, 0) << "ended by a signal:\n" << run.err;
      if (run.exit_code != 0) {
        EXPECT_GT(run.exit_code, 0);
        const std::string named = "this process may have " + std::to_string(limit) + " (ulimit -n)";
        EXPECT_NE(run.err.find("too many open files: " + named), std::string::npos) << run.err;
      }
      boost::asio::io_context io;
      expect_no_leftover_processes(io);
    }
  }
}

/// The callee role with at most `limit` descriptors, its log in `log`.
RoleProcess start_limited_callee(int limit, const std::filesystem::path& log) {
  ChildProcess child({"/bin/sh", "-c",
                      "ulimit -n " + std::to_string(limit) + "; exec " +
                          quoted(self_executable()) + " --tether-role=callee --name=flooded 2>" +
                          quoted(log.string())});
  const std::string line = child.read_line(10s);
  if (line.rfind("ENDPOINT ", 0) != 0) throw std::runtime_error("callee printed '" + line + "'");
  return {std::move(child), line.substr(9)};
}

TEST(DescriptorLimits, AFloodOfConnectionsStopsTheInboxAcceptingWhileItKeepsServing) {
  // Given an actor allowed 256 descriptors (so it holds at most (256 - 32) / 2 = 112
  // connections) and a caller connected to it, when 1000 DEALERs connect to its inbox,
  // then it logs that it stopped accepting, does not abort, and still answers the
  // caller; once the flood disconnects, a newcomer gets in and is answered.
  constexpr int kFlood = 1000;
  ASSERT_GE(raise_descriptor_limit(), 3u * kFlood) << "this test needs descriptors for the flood";
  TempDir dir;
  const auto log = dir.path() / "callee.log";
  RoleProcess callee = start_limited_callee(256, log);

  boost::asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("steady")};
  Actor late{io.get_executor(), context, no_functions, test_actor_options("newcomer")};
  zmq::context_t flood_context;
  flood_context.set(zmq::ctxopt::max_sockets, kFlood + 64);
  std::vector<std::unique_ptr<zmq::socket_t>> flood;

  auto wait_for_log = [&](std::string_view text, std::chrono::milliseconds bound) -> task<bool> {
    const auto deadline = Clock::now() + bound;
    while (read_file(log).find(text) == std::string::npos) {
      if (Clock::now() > deadline) co_return false;
      co_await sleep_for(20ms);
    }
    co_return true;
  };
  AddArgsT args;
  args.a = 20;
  args.b = 22;

  run_bounded(
      io,
      [&]() -> task<void> {
        auto session = [&]() -> task<void> {
          Portal steady = co_await me.connect(callee.endpoint);
          EXPECT_EQ((co_await steady.call<SumT>("add", args)).value, 42);
          for (int i = 0; i < kFlood; ++i) {
            auto socket = std::make_unique<zmq::socket_t>(flood_context, zmq::socket_type::dealer);
            socket->set(zmq::sockopt::linger, 0);
            socket->connect(callee.endpoint);
            flood.push_back(std::move(socket));
          }
          if (!co_await wait_for_log("stopped accepting connections", 20s)) {
            ADD_FAILURE() << "the inbox never stopped accepting:\n" << read_file(log);
            co_return;
          }
          EXPECT_EQ((co_await steady.call<SumT>("add", args)).value, 42);  // during the flood
          EXPECT_TRUE(process_running(callee.process.pid()));

          flood.clear();  // every flood connection closes
          if (!co_await wait_for_log("accepts connections again", 20s)) {
            ADD_FAILURE() << "the inbox never accepted again:\n" << read_file(log);
            co_return;
          }
          EXPECT_EQ((co_await steady.call<SumT>("add", args)).value, 42);
          Portal newcomer = co_await late.connect(callee.endpoint);
          EXPECT_EQ((co_await newcomer.call<SumT>("add", args)).value, 42);
        };
        auto both = [&]() -> task<void> { co_await late.run(me.run(session())); };
        co_await both();
      },
      60s);
  EXPECT_TRUE(process_running(callee.process.pid())) << read_file(log);
  EXPECT_EQ(read_file(log).find("Too many open files ("), std::string::npos) << read_file(log);
  callee.process.signal(SIGKILL);
  (void)callee.process.wait(5s);
  expect_no_leftover_processes(io);
}

}  // namespace
}  // namespace tether::test
