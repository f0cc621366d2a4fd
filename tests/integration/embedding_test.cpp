// tether embedded in a service's own io_context (tests/programs/embedded_service.cpp):
// an Actor that is not serving holds no work on the loop, a stop request reaches a
// service that does not use Program, and a main() that never reaches Program cannot
// turn start_actor into a fork bomb.
#include <sys/wait.h>

#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

using Clock = std::chrono::steady_clock;

class Embedding : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }

  EnvChanges env() const {
    return {{"XDG_RUNTIME_DIR", runtime.path().string()}, {"TETHER_REGISTRY", std::nullopt}};
  }

  TempDir runtime;
  boost::asio::io_context io{1};
};

TEST_F(Embedding, AnActorThatWasOnlyConstructedLetsIoRunReturn) {
  const auto run = run_program({TETHER_EMBEDDED_SERVICE, "--constructed-only"}, env(), 10s);
  EXPECT_FALSE(run.timed_out) << "io.run() never returned";
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("io.run() returned"), std::string::npos) << run.out;
}

TEST_F(Embedding, AnActorWhoseServeWasCancelledLetsIoRunReturn) {
  const auto started = Clock::now();
  const auto run = run_program({TETHER_EMBEDDED_SERVICE, "--serve-for-ms", "200"}, env(), 10s);
  EXPECT_FALSE(run.timed_out) << "io.run() never returned";
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("io.run() returned"), std::string::npos) << run.out;
  EXPECT_LT(Clock::now() - started, 5s);  // a hang guard, not a benchmark
}

TEST_F(Embedding, TetherCancelStopsAServiceThatDoesNotUseProgramAndItsChild) {
  const std::string endpoint = runtime.ipc_endpoint("registry");
  RegistryProcess registry(endpoint);
  ChildProcess service({"/usr/bin/env", "XDG_RUNTIME_DIR=" + runtime.path().string(),
                        TETHER_EMBEDDED_SERVICE, "--registry", endpoint, "--worker",
                        std::string(TETHER_EXAMPLES_DIR) + "/prime_tree"},
                       /*own_process_group=*/true);
  // pi(10000) = 1229: the service called its child, started by executable name. (The
  // child shares the service's stdout: its own lines come first.)
  std::string line;
  while (line.rfind("ready:", 0) != 0) line = service.read_line(30s);
  EXPECT_EQ(line, "ready: 1229 primes below 10000");

  const auto cancel = run_program(
      {TETHER_CLI, "cancel", "service", "--registry", endpoint, "--timeout-ms", "5000"}, env(), 20s);
  EXPECT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;
  EXPECT_NE(cancel.out.find("stopped service"), std::string::npos) << cancel.out;

  const int status = service.wait(10s);
  ASSERT_NE(status, -1) << "the service kept running after tether cancel";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  bool clean = false;
  try {
    for (;;)
      if (service.read_line(1s).rfind("stopped cleanly after", 0) == 0) clean = true;
  } catch (const std::exception&) {  // EOF
  }
  EXPECT_TRUE(clean);
}

TEST_F(Embedding, AChildWhoseMainNeverReachesProgramRefusesAtOnceInsteadOfForking) {
  const auto started = Clock::now();
  const auto run = run_program({TETHER_EMBEDDED_SERVICE}, env(), 20s);
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("exited with code 78 during boot"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did not hand control to tether::Program"), std::string::npos)
      << run.err;
  EXPECT_LT(Clock::now() - started, 10s);  // a hang guard: one child, refused at once
}

}  // namespace
}  // namespace tether::test
