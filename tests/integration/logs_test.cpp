// What a user watching a log sees: a mistyped TETHER_LOG is said once, debug shows the
// decisions that matter, and result lines arrive while the program still runs.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

std::string example(const std::string& name) {
  return (std::filesystem::path(TETHER_EXAMPLES_DIR) / name).string();
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

void expect_no_processes_left() {
  boost::asio::io_context io;
  expect_no_leftover_processes(io);
}

TEST(Logs, ATypoInTetherLogIsOneWarningNamingItAndTheLevelsThenInfo) {
  TempDir runtime;
  const ProgramRun run = run_program(
      {example("prime_tree"), "--limit", "20000", "--workers", "2"},
      {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"TETHER_LOG", "debgu"}}, 60s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  // Once for the whole tree: the root passes its level on to its children as read.
  EXPECT_EQ(occurrences(run.err, "TETHER_LOG='debgu' is not a level"), 1u) << run.err;
  EXPECT_NE(run.err.find("(want trace, debug, info, warn, error, off); using info"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(" info "), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(" debug "), std::string::npos) << run.err;
  expect_no_processes_left();
}

TEST(Logs, DebugShowsSpawnsConnectionsCancelsAndRegistryLookups) {
  TempDir runtime;
  const ProgramRun run = run_program(
      {example("pipeline"), "--count", "100"},
      {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"TETHER_REGISTRY", std::nullopt},
       {"TETHER_LOG", "debug"}},
      60s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  for (const std::string line :
       {"started child 'consumer' (pid ", "): connected to transformer (", "connected to us",
        "sending Cancel to producer (", "registered at ipc://", "as 'consumer'",
        "waited for 'transformer' in namespace '", "waited for 'producer' in namespace '",
        "': found "})
    EXPECT_NE(run.err.find(line), std::string::npos) << line << "\n" << run.err;
  expect_no_processes_left();
}

TEST(Logs, ParallelMapPrintsItsFirstResultIntoAPipeWhileItStillRuns) {
  // Given stdout on a pipe (as with `| tee` or a log file), when the one-process count
  // is done, then its line arrives before the pool part ends, not at exit.
  TempDir runtime;
  ChildProcess map({"/usr/bin/env", "XDG_RUNTIME_DIR=" + runtime.path().string(),
                    example("parallel_map"), "--limit", "400000000", "--workers", "2"},
                   /*own_process_group=*/true);
  const std::string line = map.read_line(60s);
  EXPECT_NE(line.find("one process:"), std::string::npos) << line;
  EXPECT_EQ(map.wait(0ms), -1) << "the line came only at exit";
  map.signal(SIGINT);  // the rest is the pool's timing, not this test's business
  const int status = map.wait(20s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << status;
  expect_no_processes_left();
}

}  // namespace
}  // namespace tether::test
