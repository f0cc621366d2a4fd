// What a new user types wrong on day one: each mistake is one line on stderr naming the
// bad value and an exit code that says so (2), never an abort, and nothing left behind.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "no_leftovers.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

std::string example(const std::string& name) {
  return (std::filesystem::path(TETHER_EXAMPLES_DIR) / name).string();
}

/// A newcomer's environment: no registry configured, a private runtime directory.
EnvChanges newcomer(const std::filesystem::path& runtime) {
  return {{"XDG_RUNTIME_DIR", runtime.string()}, {"TETHER_REGISTRY", std::nullopt}};
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The process table and the runtime directory after a refused start: nothing running,
/// no socket file.
void expect_nothing_left(const std::filesystem::path& runtime) {
  boost::asio::io_context io;
  expect_no_leftover_processes(io);
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(runtime, ec))
    EXPECT_NE(entry.path().extension(), ".sock") << entry.path();
}

/// Exit 2, not a signal, and one line on stderr that names every part of `expect`.
void expect_usage_error(const ProgramRun& run, const std::vector<std::string>& expect) {
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.signal, 0) << run.err;
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(lines(run.err), 1u) << run.err;
  for (const auto& part : expect) EXPECT_NE(run.err.find(part), std::string::npos) << run.err;
}

struct BadCommand {
  std::vector<std::string> argv;
  std::vector<std::string> expect;  // in the one line of stderr
};

TEST(BadInput, ANumberOptionThatIsNotAnInRangeNumberIsOneLineNamingItAndExitTwo) {
  TempDir runtime;
  const std::vector<BadCommand> cases = {
      {{example("prime_tree"), "--limit", "abc"}, {"--limit", "'abc'", "not a number"}},
      {{example("prime_tree"), "--limit", "-5"}, {"--limit", "'-5'", "negative"}},
      {{example("prime_tree"), "--limit", "99999999999999999999999"},
       {"'99999999999999999999999'", "above the maximum"}},
      {{example("prime_tree"), "--workers=0"}, {"--workers", "'0'", "below the minimum 1"}},
      {{example("pipeline"), "--count", "12x"}, {"--count", "'12x'", "not a number"}},
      {{example("parallel_map"), "--workers", "-1"}, {"--workers", "'-1'", "negative"}},
      {{example("parallel_map"), "--limit"}, {"--limit needs a value"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.argv.back());
    expect_usage_error(run_program(c.argv, newcomer(runtime.path())), c.expect);
  }
  expect_nothing_left(runtime.path());
}

TEST(BadInput, ParallelMapRefusesZeroChunksInsteadOfDividingByZero) {
  TempDir runtime;
  expect_usage_error(
      run_program({example("parallel_map"), "--chunks", "0"}, newcomer(runtime.path())),
      {"--chunks", "'0'", "below the minimum 1"});
  expect_nothing_left(runtime.path());
}

TEST(BadInput, AnUnknownOptionIsRefusedByNameInsteadOfIgnored) {
  TempDir runtime;
  for (const char* program : {"prime_tree", "pipeline", "parallel_map"}) {
    SCOPED_TRACE(program);
    expect_usage_error(
        run_program({example(program), "--limt", "1000"}, newcomer(runtime.path())),
        {"unknown option '--limt'", "--help"});
  }
  expect_nothing_left(runtime.path());
}

TEST(BadInput, HelpPrintsEveryOptionWithItsDefaultAndStartsNothing) {
  TempDir runtime;
  const std::vector<BadCommand> cases = {
      {{example("prime_tree"), "--help"}, {"--limit N", "default 1000000000", "--workers N"}},
      {{example("pipeline"), "-h"}, {"--count N", "default 100000"}},
      {{example("parallel_map"), "--help"},
       {"--limit N", "--chunks N", "default 64", "--workers N", "--registry ENDPOINT"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.argv.front());
    const ProgramRun run = run_program(c.argv, newcomer(runtime.path()));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err, "");
    for (const auto& part : c.expect) EXPECT_NE(run.out.find(part), std::string::npos) << run.out;
  }
  // Nothing ran: not even the runtime directory was made.
  EXPECT_FALSE(std::filesystem::exists(runtime.path() / "tether"));
  expect_nothing_left(runtime.path());
}

/// XDG_RUNTIME_DIR values a misconfigured session can have, and what the line says.
struct UnusableRuntime {
  std::string name;
  std::filesystem::path xdg;
  std::string expect;
};

std::vector<UnusableRuntime> unusable_runtimes(const std::filesystem::path& base) {
  std::vector<UnusableRuntime> out;
  out.push_back({"missing", base / "missing", "No such file or directory"});
  std::ofstream(base / "file") << "not a directory";
  out.push_back({"a regular file", base / "file", "Not a directory"});
  std::filesystem::create_directories(base / "shared" / "tether");
  ::chmod((base / "shared" / "tether").c_str(), 0755);
  out.push_back({"mode 0755", base / "shared", "not a private directory"});
  if (::geteuid() != 0) {
    std::filesystem::create_directories(base / "readonly");
    ::chmod((base / "readonly").c_str(), 0555);
    out.push_back({"read-only", base / "readonly", "Permission denied"});
  } else {
    out.push_back({"read-only", "/sys", "Operation not permitted"});  // root writes past 0555
  }
  return out;
}

TEST(BadInput, AnUnusableRuntimeDirectoryIsOneLineNamingItForExamplesAndTetherPs) {
  TempDir base;
  for (const auto& runtime : unusable_runtimes(base.path())) {
    SCOPED_TRACE(runtime.name);
    const std::string dir = (runtime.xdg / "tether").string();
    expect_usage_error(
        run_program({example("prime_tree"), "--limit", "1000"}, newcomer(runtime.xdg)),
        {"cannot start", dir, runtime.expect, "XDG_RUNTIME_DIR"});
    expect_usage_error(run_program({TETHER_CLI, "ps"}, newcomer(runtime.xdg)),
                       {"tether ps", dir, runtime.expect});
  }
  expect_nothing_left(base.path());
}

TEST(BadInput, TetherRegistryRefusesAPortOutOfRangeInsteadOfServingOnAnother) {
  TempDir runtime;
  expect_usage_error(run_program({TETHER_CLI, "registry", "--bind", "tcp://127.0.0.1:99999"},
                                 newcomer(runtime.path()), 10s),
                     {"tcp://127.0.0.1:99999", "port 99999 is above the maximum 65535"});
  expect_nothing_left(runtime.path());
}

TEST(BadInput, AMalformedEndpointIsNamedWithWhatIsWrongWithIt) {
  TempDir runtime;
  const std::vector<BadCommand> cases = {
      {{TETHER_CLI, "ps", "--registry", "localhost:7600"}, {"'localhost:7600'", "not an endpoint"}},
      {{TETHER_CLI, "cancel", "x", "--registry", "udp://h:1"}, {"'udp://h:1'", "transport 'udp'"}},
      {{TETHER_CLI, "registry", "--bind", "tcp://*"}, {"'tcp://*'", "HOST:PORT"}},
      {{example("prime_tree"), "--registry", "tcp://127.0.0.1:port"},
       {"cannot start", "'tcp://127.0.0.1:port'", "port port is not a number"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.argv.back());
    const ProgramRun run = run_program(c.argv, newcomer(runtime.path()), 10s);
    expect_usage_error(run, c.expect);
    EXPECT_EQ(run.err.find("zmq::error_t"), std::string::npos) << run.err;
  }
  expect_nothing_left(runtime.path());
}

TEST(BadInput, TetherCliNumberOptionsAreOneLineAndExitTwo) {
  TempDir runtime;
  const std::vector<BadCommand> cases = {
      {{TETHER_CLI, "ps", "--timeout-ms", "abc"}, {"--timeout-ms", "abc"}},
      {{TETHER_CLI, "ps", "--timeout-ms", "-5"}, {"--timeout-ms", "-5"}},
      {{TETHER_CLI, "registry", "--bind", "tcp://127.0.0.1:*", "--lease-ms",
        "99999999999999999999"},
       {"--lease-ms", "99999999999999999999"}},
      {{TETHER_CLI, "ps", "--frob"}, {"--frob"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.argv.back());
    expect_usage_error(run_program(c.argv, newcomer(runtime.path()), 10s), c.expect);
  }
  expect_nothing_left(runtime.path());
}

}  // namespace
}  // namespace tether::test
