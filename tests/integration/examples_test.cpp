// Examples are documentation that cannot rot: each runs here as a user would run it.
#include <string>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "run_command.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

TEST(Examples, PrimeTreeCountsWithATreeOfActorsAndShutsDownCleanly) {
  // As a newcomer runs it: no registry configured, so the root embeds one (in a
  // private runtime directory here, not this user's real one).
  TempDir runtime;
  const auto [status, output] =
      run_command("env -u TETHER_REGISTRY XDG_RUNTIME_DIR=" + runtime.path().string() + " TETHER_LOG=info " +
          std::string(TETHER_EXAMPLES_DIR) + "/prime_tree --limit 200000 --workers 3 2>&1");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("primes below 200000: 17984"), std::string::npos) << output;  // pi(200000)
  for (const char* actor : {"coordinator", "counter-1", "counter-2", "counter-3"})
    EXPECT_NE(output.find(actor), std::string::npos) << actor << " never spoke:\n" << output;
  EXPECT_NE(output.find("tree shut down cleanly"), std::string::npos) << output;
  EXPECT_NE(output.find("hosting the registry"), std::string::npos) << output;
  reap_zombies();
  EXPECT_TRUE(live_descendants(::getpid()).empty());
}

TEST(Examples, DesignsSketchWithOnlyTheOneIncludeRunsItsTreeAndExitsCleanly) {
  TempDir runtime;
  const auto [status, output] = run_command("env -u TETHER_REGISTRY XDG_RUNTIME_DIR=" +
                                            runtime.path().string() + " " +
                                            std::string(TETHER_DESIGN_SKETCH) + " 2>&1");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("sketch: 3 7"), std::string::npos) << output;
  reap_zombies();
  EXPECT_TRUE(live_descendants(::getpid()).empty());
}

TEST(Examples, PipelineStreamsEveryItemThroughThreeActorsFoundByName) {
  TempDir runtime;
  const auto [status, output] =
      run_command("env -u TETHER_REGISTRY XDG_RUNTIME_DIR=" + runtime.path().string() + " " +
                  std::string(TETHER_EXAMPLES_DIR) + "/pipeline --count 20000 2>&1");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("produced 20000 numbers"), std::string::npos) << output;
  EXPECT_NE(output.find("squared 20000 numbers"), std::string::npos) << output;
  // sum of squares 1..20000 = 20000 * 20001 * 40001 / 6
  EXPECT_NE(output.find("= 2666866670000 (correct)"), std::string::npos) << output;
  reap_zombies();
  EXPECT_TRUE(live_descendants(::getpid()).empty());
}

TEST(Examples, PipelineChecksItsSumRightAboveTwoMillionItems) {
  // Given a count whose n(n+1)(2n+1) no longer fits 64 bits (above 2,097,151), when the
  // pipeline checks its own sum, then it finds it correct: the check is not the overflow.
  TempDir runtime;
  const ProgramRun run = run_program(
      {std::string(TETHER_EXAMPLES_DIR) + "/pipeline", "--count", "2100001"},
      {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"TETHER_REGISTRY", std::nullopt}}, 60s);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  // 2100001 * 2100002 * 4200003 / 6
  EXPECT_NE(run.out.find("= 3087006615004550001 (correct)"), std::string::npos) << run.out;
  boost::asio::io_context io;
  expect_no_leftover_processes(io);
}

TEST(Examples, ParallelMapGetsTheSameAnswerFromAPoolAsFromOneProcess) {
  TempDir runtime;
  const auto [status, output] =
      run_command("env -u TETHER_REGISTRY XDG_RUNTIME_DIR=" + runtime.path().string() + " " +
                  std::string(TETHER_EXAMPLES_DIR) +
                  "/parallel_map --limit 300000 --chunks 16 --workers 2 2>&1");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("one process:        25997 primes below 300000"), std::string::npos)
      << output;  // pi(300000)
  EXPECT_NE(output.find("pool of 2 workers: 25997 primes below 300000"), std::string::npos)
      << output;
  EXPECT_NE(output.find("speedup:"), std::string::npos) << output;  // timing is the bench's job
  reap_zombies();
  EXPECT_TRUE(live_descendants(::getpid()).empty());
}

}  // namespace
}  // namespace tether::test
