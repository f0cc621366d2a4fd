// The runtime directory as many runs leave it: each actor's socket file goes with the
// actor, files of actors that were killed are swept at the next start, and a directory
// too long for unix socket paths is replaced before zmq sees it.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "no_leftovers.hpp"
#include "run_program.hpp"
#include "temp_dir.hpp"

namespace tether::test {
namespace {

namespace fs = std::filesystem;

std::string example(const std::string& name) {
  return (std::filesystem::path(TETHER_EXAMPLES_DIR) / name).string();
}

EnvChanges newcomer(const fs::path& xdg) {
  return {{"XDG_RUNTIME_DIR", xdg.string()}, {"TETHER_REGISTRY", std::nullopt}};
}

std::vector<std::string> socket_files(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".sock") out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_no_processes_left() {
  boost::asio::io_context io;
  expect_no_leftover_processes(io);
}

/// A unix socket file at `path`; listening (a live owner) while the returned fd is open.
int make_socket_file(const fs::path& path, bool listening) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  if (listening) {
    EXPECT_EQ(::listen(fd, 1), 0);
    return fd;
  }
  ::close(fd);
  return -1;
}

/// The pid of a process that has exited and been reaped.
pid_t gone_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

/// A private directory whose path is exactly `length` bytes once "/tether" is added.
fs::path directory_of_length(const TempDir& base, std::size_t length) {
  const std::size_t fixed = base.path().string().size() + 1 + std::string("/tether").size();
  const fs::path dir = base.path() / std::string(length - fixed, 'd');
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  EXPECT_EQ((dir / "tether").string().size(), length);
  return dir;
}

TEST(RuntimeDirectory, CleanRunsOfEveryExampleLeaveNoSocketFileBehind) {
  TempDir runtime;
  const std::vector<std::vector<std::string>> runs = {
      {example("prime_tree"), "--limit", "20000", "--workers", "3"},
      {example("pipeline"), "--count", "1000"},
      {example("parallel_map"), "--limit", "20000", "--chunks", "4", "--workers", "2"},
  };
  for (const auto& argv : runs) {
    SCOPED_TRACE(argv.front());
    const ProgramRun run = run_program(argv, newcomer(runtime.path()), 60s);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(socket_files(runtime.path() / "tether"), std::vector<std::string>{});
  }
  expect_no_processes_left();
}

TEST(RuntimeDirectory, SocketFilesOfGoneActorsAreRemovedAtStartAndLiveOnesKept) {
  // Given files left by a killed actor (its pid gone), by an older version (no pid, no
  // listener) and one of a live actor, when a root starts, only the live one remains.
  TempDir runtime;
  const fs::path dir = runtime.path() / "tether";
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  const std::string killed = "counter-1-" + std::to_string(gone_pid()) + "-a5b17d9eb2e400a2.sock";
  const std::string old_format = "root-c8580e2ec755bd5f.sock";
  const std::string live = "live-" + std::to_string(::getpid()) + "-0123456789abcdef.sock";
  make_socket_file(dir / killed, false);
  make_socket_file(dir / old_format, false);
  const int live_fd = make_socket_file(dir / live, true);
  ASSERT_EQ(socket_files(dir).size(), 3u);

  const ProgramRun run =
      run_program({example("prime_tree"), "--limit", "1000", "--workers", "1"},
                  newcomer(runtime.path()), 60s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(socket_files(dir), std::vector<std::string>{live});
  ::close(live_fd);
  expect_no_processes_left();
}

TEST(RuntimeDirectory, ALongButUsableDirectoryServesEveryActorOfTheTree) {
  // 67..77 bytes: the root's path fitted, a child's longer name did not (SIGABRT).
  TempDir base;
  const fs::path xdg = directory_of_length(base, 77);
  const ProgramRun run = run_program(
      {example("prime_tree"), "--limit", "20000", "--workers", "2"}, newcomer(xdg), 60s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.signal, 0);
  EXPECT_NE(run.out.find("tree shut down cleanly"), std::string::npos) << run.out << run.err;
  EXPECT_EQ(run.err.find("too long"), std::string::npos) << run.err;
  EXPECT_EQ(socket_files(xdg / "tether"), std::vector<std::string>{});
  expect_no_processes_left();
}

TEST(RuntimeDirectory, ADirectoryTooLongForUnixSocketsIsReplacedWithOneWarningNamingIt) {
  // Past the limit the root aborted with "File name too long"; now the tree meets in
  // /tmp/tether-<euid> instead, and the root says why, once.
  TempDir base;
  const fs::path xdg = directory_of_length(base, 90);
  const ProgramRun run = run_program(
      {example("prime_tree"), "--limit", "20000", "--workers", "2"}, newcomer(xdg), 60s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("primes below 20000: 2262"), std::string::npos) << run.out << run.err;
  const std::string dir = (xdg / "tether").string();
  std::size_t warnings = 0;
  for (auto at = run.err.find("too long"); at != std::string::npos;
       at = run.err.find("too long", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << run.err;
  EXPECT_NE(run.err.find(dir), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("107"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("using /tmp/tether-" + std::to_string(::geteuid())), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(xdg / "tether"));
  expect_no_processes_left();
}

TEST(RuntimeDirectory, AnExplicitIpcEndpointTooLongIsRefusedNamingTheLimit) {
  TempDir runtime;
  const std::string endpoint = "ipc://" + runtime.path().string() + "/" + std::string(120, 'r');
  const ProgramRun run =
      run_program({example("prime_tree"), "--registry", endpoint}, newcomer(runtime.path()), 10s);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find(endpoint), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("above the limit of 107"), std::string::npos) << run.err;
  EXPECT_EQ(socket_files(runtime.path() / "tether"), std::vector<std::string>{});
  expect_no_processes_left();
}

}  // namespace
}  // namespace tether::test
