// Every `tether` client command honours its own --timeout-ms, even against a registry
// that is bound but never answers (a stopped process: the kernel still accepts the
// connection, nobody speaks): it gives up in time, exit 1, saying why.
#include <signal.h>

#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class CliTimeouts : public ::testing::Test {
 protected:
  void SetUp() override { registry.process().signal(SIGSTOP); }
  void TearDown() override {
    registry.process().signal(SIGKILL);  // ends a stopped process too
    (void)registry.process().wait(5s);
    expect_no_leftover_processes(io);
  }

  /// Runs `tether <args> --registry <the stopped one> --timeout-ms 1000`; returns how
  /// long it took.
  milliseconds timed(std::vector<std::string> args, ProgramRun& run) {
    std::vector<std::string> argv{TETHER_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--registry", endpoint, "--timeout-ms", "1000"});
    const auto start = Clock::now();
    run = run_program(argv, {}, 10s);
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  }

  TempDir dir;
  std::string endpoint = dir.ipc_endpoint("registry.sock");
  RegistryProcess registry{endpoint};
  boost::asio::io_context io{1};
};

/// The command gave up in time, with exit 1 and the reason.
void expect_gave_up(const ProgramRun& run, milliseconds took, const std::string& endpoint) {
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("no registry answered at " + endpoint + " within 1000 ms"),
            std::string::npos)
      << run.err;
  EXPECT_LT(took, 1800ms);
}

TEST_F(CliTimeouts, TetherPsGivesUpWithinItsTimeoutOnARegistryThatNeverAnswers) {
  ProgramRun run;
  const milliseconds took = timed({"ps"}, run);
  expect_gave_up(run, took, endpoint);
}

TEST_F(CliTimeouts, TetherCancelGivesUpWithinItsTimeoutOnARegistryThatNeverAnswers) {
  ProgramRun run;
  const milliseconds took = timed({"cancel", "worker"}, run);
  expect_gave_up(run, took, endpoint);
}

}  // namespace
}  // namespace tether::test
