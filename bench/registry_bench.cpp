// Registry benchmark: `tether registry` runs as its own process; 1, 8 and 64 clients
// (RegistryClient, one loop) hammer it with lookups and with register+deregister pairs,
// next to raw ZeroMQ pipelined round trips with as many requests in flight. Then 200
// registered clients see the registry SIGKILLed and restarted: how long until all 200
// are listed again.
//
//   registry_bench [--quick]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "bench_report.hpp"
#include "raw_floor.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_client.hpp"

extern char** environ;

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// `tether registry --bind endpoint`, started and killed like an operator would.
class RegistryProcess {
 public:
  explicit RegistryProcess(const std::string& endpoint) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<std::string> argv{TETHER_CLI, "registry", "--bind", endpoint};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
    char c;  // its first line says it is bound
    while (::read(fds[0], &c, 1) == 1 && c != '\n') {
    }
    ::close(fds[0]);
  }
  ~RegistryProcess() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

tether::RegistryClientOptions client_options(const std::string& endpoint, std::string name) {
  tether::RegistryClientOptions o;
  o.endpoint = endpoint;
  o.uid = tether::random_uid();
  o.name = std::move(name);
  o.socket.linger_ms = 0;
  return o;
}

/// Runs `body()` on `io` to completion.
template <class Body>
void run(asio::io_context& io, Body body) {
  std::exception_ptr failure;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    failure = e;
    io.stop();
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
}

tether::task<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

struct Rates {
  double lookups_per_s = 0;
  double register_pairs_per_s = 0;
};

/// `clients` connected clients, each issuing requests back to back for `duration`.
Rates measure_clients(asio::io_context& io, zmq::context_t& context, const std::string& endpoint,
                      int clients, std::chrono::milliseconds duration) {
  std::vector<std::unique_ptr<tether::RegistryClient>> pool;
  for (int i = 0; i < clients; ++i)
    pool.push_back(std::make_unique<tether::RegistryClient>(
        io.get_executor(), context, client_options(endpoint, "bench-" + std::to_string(i))));
  Rates rates;
  run(io, [&]() -> tether::task<void> {
    co_await tether::open_nursery([&](tether::Nursery& n) -> tether::task<void> {
      std::vector<tether::TaskHandle> keepers;
      for (auto& c : pool) keepers.push_back(n.start_cancellable(c->run()));
      for (auto& c : pool) (void)co_await c->wait_connected(5s);
      tether::ActorRecord target;
      target.name = "target";
      target.uid = "target-uid";
      target.endpoints = {"ipc:///nowhere"};
      co_await pool.front()->register_actor(target);

      auto phase = [&](bool lookups) -> tether::task<double> {
        std::uint64_t done = 0;
        const auto end = Clock::now() + duration;
        co_await tether::open_nursery([&](tether::Nursery& work) -> tether::task<void> {
          for (std::size_t i = 0; i < pool.size(); ++i)
            work.start_soon([](tether::RegistryClient* c, bool lookups, std::size_t index,
                               Clock::time_point end, std::uint64_t* done) -> tether::task<void> {
              tether::ActorRecord mine;
              mine.name = "churn-" + std::to_string(index);
              mine.uid = "churn-uid-" + std::to_string(index);
              while (Clock::now() < end) {
                if (lookups) {
                  (void)co_await c->lookup("target");
                } else {
                  co_await c->register_actor(mine);
                  co_await c->deregister(mine.uid);
                }
                ++*done;
              }
            }(pool[i].get(), lookups, i, end, &done));
          co_return;
        });
        co_return static_cast<double>(done) / std::chrono::duration<double>(duration).count();
      };
      rates.lookups_per_s = co_await phase(true);
      rates.register_pairs_per_s = co_await phase(false);
      co_await pool.front()->deregister("target-uid");
      for (auto& k : keepers) k.cancel();
    });
  });
  return rates;
}

/// 200 registered clients; the registry is SIGKILLed and restarted: ms until the
/// observer lists all 200 again.
double measure_reregistration(asio::io_context& io, zmq::context_t& context,
                              const std::string& endpoint, std::unique_ptr<RegistryProcess>& registry,
                              int actors) {
  std::vector<std::unique_ptr<tether::RegistryClient>> pool;
  for (int i = 0; i < actors; ++i)
    pool.push_back(std::make_unique<tether::RegistryClient>(
        io.get_executor(), context, client_options(endpoint, "actor-" + std::to_string(i))));
  tether::RegistryClient observer(io.get_executor(), context, client_options(endpoint, "observer"));
  double took_ms = 0;
  run(io, [&]() -> tether::task<void> {
    co_await tether::open_nursery([&](tether::Nursery& n) -> tether::task<void> {
      std::vector<tether::TaskHandle> keepers;
      for (auto& c : pool) keepers.push_back(n.start_cancellable(c->run()));
      keepers.push_back(n.start_cancellable(observer.run()));
      for (int i = 0; i < actors; ++i) {
        tether::ActorRecord r;
        r.name = "actor-" + std::to_string(i);
        r.uid = "actor-uid-" + std::to_string(i);
        co_await pool[i]->register_actor(r);
      }
      auto count = [&]() -> tether::task<std::size_t> {
        try {
          co_return (co_await observer.list()).size();
        } catch (const tether::RegistryUnavailable&) {
          co_return 0;
        }
      };
      while (co_await count() < static_cast<std::size_t>(actors)) co_await pause(5ms);
      registry->kill();
      registry = std::make_unique<RegistryProcess>(endpoint);
      const auto restarted = Clock::now();
      while (co_await count() < static_cast<std::size_t>(actors)) co_await pause(2ms);
      took_ms = std::chrono::duration<double, std::milli>(Clock::now() - restarted).count();
      for (auto& k : keepers) k.cancel();
    });
  });
  return took_ms;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const auto duration = quick ? 300ms : 1500ms;
  char dir_template[] = "/tmp/tether-registry-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  const std::string endpoint = "ipc://" + (dir / "registry").string();

  zmq::context_t context;
  asio::io_context io{1};
  auto registry = std::make_unique<RegistryProcess>(endpoint);

  std::printf("registry: `tether registry` in its own process; clients share one loop (ipc)\n");
  std::printf("raw floor: DEALER/ROUTER echo with as many 64 B requests in flight as clients\n\n");
  std::vector<tether::bench::Row> rows;
  for (const int clients : {1, 8, 64}) {
    const auto rates = measure_clients(io, context, endpoint, clients, duration);
    const double raw = tether::bench::raw_pipelined_rate(
        context, "ipc://" + (dir / "raw").string(), 64, clients, quick ? 5'000 : 30'000);
    const std::string who = std::to_string(clients) + " client" + (clients > 1 ? "s" : "");
    rows.push_back({"ipc", who, "lookups/s", raw, rates.lookups_per_s, false, 0});
    rows.push_back({"ipc", who, "register+deregister/s", raw / 2, rates.register_pairs_per_s,
                    false, 0});
  }
  tether::bench::print_table(rows);
  std::printf("(register+deregister is two round trips: its floor is half the raw rate)\n\n");

  std::vector<double> rounds;
  for (int i = 0; i < (quick ? 1 : 3); ++i)
    rounds.push_back(measure_reregistration(io, context, endpoint, registry, 200));
  std::printf("200 actors re-registered after a registry SIGKILL + restart: median %.0f ms over %zu "
              "rounds (clients heartbeat every 1000 ms; lease 3000 ms)\n",
              tether::bench::median(rounds), rounds.size());
  registry->kill();
  std::filesystem::remove_all(dir);
  return 0;
}
