// Spawn benchmark: start a child actor, get its first reply, tear it down (median of
// >= 50 runs), against the floor measured in the same run: posix_spawn of a minimal
// program that connects a DEALER and sends one message, then is reaped. Also how fast a
// death is noticed: child SIGKILL -> the parent's error; parent SIGKILL -> the last
// descendant gone.
//
//   spawn_bench [--quick]     (the same binary runs as the child actors it measures)
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "bench_messages_generated.h"
#include "bench_report.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/process_table.hpp"
#include "tether/actor/program.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using tether::bench::BlobT;
using tether::bench::median;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

tether::task<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

std::string next_to_me(const char* name) {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / name).string();
}

void reap_orphans() {
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
}

/// posix_spawn + connect + first message + reap, with no tether code.
std::vector<double> floor_spawns(int runs) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  const std::string path = "/tmp/tether-spawn-floor-" + std::to_string(::getpid());
  router.bind("ipc://" + path);
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  asio::io_context io{1};
  const std::string exe = next_to_me("spawn_floor_child");
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    tether::ChildProcess child(io.get_executor(), {exe, {exe, endpoint}, {}});
    zmq::message_t id, body;
    (void)router.recv(id);
    (void)router.recv(body);
    int status = 0;
    ::waitpid(child.pid(), &status, 0);
    samples.push_back(ms_since(t0));
  }
  router.close();
  std::filesystem::remove(path);  // zmq leaves a bound ipc socket file behind
  return samples;
}

/// Start, first reply, teardown, reaped: the whole life of a child actor.
tether::task<std::vector<double>> tether_spawns(tether::Actor& self, int runs) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    co_await tether::open_actor_nursery(self, [](tether::ActorNursery& an) -> tether::task<void> {
      tether::Portal child = co_await an.start_actor("child");
      const BlobT ping;
      (void)co_await child.call<BlobT>("ping", ping);
    });
    samples.push_back(ms_since(t0));
  }
  co_return samples;
}

/// Child SIGKILL -> the nursery raising ActorExited.
tether::task<std::vector<double>> child_kill_detection(tether::Actor& self, int runs) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    Clock::time_point killed;
    try {
      co_await tether::open_actor_nursery(
          self, [&](tether::ActorNursery& an) -> tether::task<void> {
            tether::Portal child = co_await an.start_actor("victim");
            const BlobT ping;
            const auto pid =
                static_cast<pid_t>((co_await child.call<BlobT>("pid", ping)).data.size());
            killed = Clock::now();
            ::kill(pid, SIGKILL);
            co_await sleep_for(std::chrono::seconds(30));
          });
    } catch (const tether::ErrorGroup&) {
      samples.push_back(ms_since(killed));
    }
  }
  co_return samples;
}

/// Parent SIGKILL -> every descendant gone (we are their subreaper).
std::vector<double> parent_kill_detection(asio::io_context& io, int runs) {
  std::vector<double> samples;
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  for (int i = 0; i < runs; ++i) {
    tether::ChildProcess root(io.get_executor(), {exe, {exe, "--tree-root"}, {}});
    const auto up_deadline = Clock::now() + std::chrono::seconds(10);
    while (tether::live_descendants(root.pid()).size() < 2 && Clock::now() < up_deadline)
      ::usleep(1000);
    const auto tree = tether::live_descendants(root.pid());
    const auto t0 = Clock::now();
    ::kill(root.pid(), SIGKILL);
    int status = 0;
    ::waitpid(root.pid(), &status, 0);
    while (std::any_of(tree.begin(), tree.end(), tether::process_running) &&
           ms_since(t0) < 10'000) {
      reap_orphans();
      ::usleep(200);  // polling the process table in a benchmark, bounded
    }
    samples.push_back(ms_since(t0));
  }
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.expose<tether::bench::Blob>(
      "ping",
      [](tether::Call&, const tether::bench::Blob&) -> tether::task<BlobT> { co_return BlobT{}; });
  program.expose<tether::bench::Blob>(
      "pid", [](tether::Call&, const tether::bench::Blob&) -> tether::task<BlobT> {
        BlobT out;
        out.data.resize(
            static_cast<std::size_t>(::getpid()));  // the pid, as a size: no schema needed
        co_return out;
      });
  program.expose<tether::bench::Blob>(
      "hold_child", [](tether::Call& call, const tether::bench::Blob&) -> tether::task<BlobT> {
        co_await tether::open_actor_nursery(call.actor(),
                                            [](tether::ActorNursery& an) -> tether::task<void> {
                                              (void)co_await an.start_actor("B");
                                              co_await sleep_for(std::chrono::hours(1));
                                            });
        co_return BlobT{};
      });
  const bool tree_root = program.flag("--tree-root", "run as the root of a measured tree");
  const bool quick = program.flag("--quick", "fewer runs");
  if (tree_root) {
    return program.run_root("tree-root", [](tether::Actor& self) -> tether::task<void> {
      co_await tether::open_actor_nursery(self, [](tether::ActorNursery& an) -> tether::task<void> {
        tether::Portal a = co_await an.start_actor("A");
        const BlobT nothing;
        (void)co_await a.call<BlobT>("hold_child", nothing);
      });
    });
  }
  if (program.is_child())
    return program.run_root("child", [](tether::Actor&) -> tether::task<void> { co_return; });

  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  const int runs = quick ? 10 : 50;
  std::vector<double> floor, ours, child_kill, parent_kill;
  floor = floor_spawns(runs);
  const int rc = program.run_root("bench", [&](tether::Actor& self) -> tether::task<void> {
    ours = co_await tether_spawns(self, runs);
    child_kill = co_await child_kill_detection(self, quick ? 5 : 20);
  });
  if (rc != 0) return rc;
  {
    asio::io_context io{1};
    parent_kill = parent_kill_detection(io, quick ? 3 : 10);
  }
  tether::bench::print_table(
      {{"ipc", "-", "spawn+reply+reap med ms", median(floor), median(ours), true, 3.0}});
  std::printf(
      "time to detect (median): child SIGKILL -> parent's error %.2f ms (%zu runs); "
      "parent SIGKILL -> last descendant gone %.2f ms (%zu runs)\n",
      median(child_kill), child_kill.size(), median(parent_kill), parent_kill.size());
  std::printf(
      "(for scale, on this kind of machine: tractor ~193 ms and an aiomultiprocess pool ~89 ms "
      "for the spawn round trip)\n");
  return 0;
}
