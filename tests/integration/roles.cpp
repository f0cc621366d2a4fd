#include "roles.hpp"

#include <sys/prctl.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "tether/concurrency/cancel_scope.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"

namespace tether::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

ActorOptions test_actor_options(std::string name) {
  ActorOptions o;
  o.name = std::move(name);
  o.heartbeat_interval = 100ms;
  o.heartbeat_liveness = 3;
  o.cancel_ack_timeout = 500ms;
  o.connect_timeout = 2s;
  o.socket.linger_ms = 0;
  return o;
}

RoleProcess start_role(const std::string& role, const std::string& name) {
  ChildProcess child({self_executable(), "--tether-role=" + role, "--name=" + name});
  const std::string line = child.read_line(10s);
  if (line.rfind("ENDPOINT ", 0) != 0) throw std::runtime_error("role " + role + " printed '" + line + "'");
  return {std::move(child), line.substr(9)};
}

namespace {


/// The functions a "callee" actor exposes. `cancellations` lets a test ask the remote
/// side whether it really saw a cancellation.
Functions callee_functions(std::uint64_t& cancellations) {
  using namespace tether::test;  // generated types
  Functions f;
  f.expose<AddArgs>("add", [](Call&, const AddArgs& a) -> task<SumT> {
    SumT s;
    s.value = a.a() + a.b();
    co_return s;
  });
  f.expose<Blob>("echo", [](Call&, const Blob& b) -> task<BlobT> {
    BlobT out;
    if (b.data()) out.data.assign(b.data()->begin(), b.data()->end());
    co_return out;
  });
  f.expose<Text>("fail", [](Call&, const Text& t) -> task<SumT> {
    throw std::domain_error(t.text() ? t.text()->str() : "failed");
    co_return SumT{};
  });
  f.expose<SleepArgs>("sleep", [&cancellations](Call&, const SleepArgs& s) -> task<SumT> {
    try {
      co_await sleep_for(std::chrono::milliseconds(s.ms()));
    } catch (...) {
      ++cancellations;  // observed on this side of the boundary
      throw;
    }
    SumT out;
    out.value = s.ms();
    co_return out;
  });
  f.expose<SleepArgs>("stubborn", [](Call&, const SleepArgs& s) -> task<SumT> {
    // Ignores cancellation: the caller's own deadline must bound the wait.
    co_await shielded(sleep_for(std::chrono::milliseconds(s.ms())));
    co_return SumT{};
  });
  f.expose<AddArgs>("cancellations", [&cancellations](Call&, const AddArgs&) -> task<CountT> {
    CountT c;
    c.value = cancellations;
    co_return c;
  });
  f.expose<RelayArgs>("relay", [](Call& call, const RelayArgs& r) -> task<SumT> {
    Portal next = co_await call.actor().connect(r.endpoint()->str());
    TextT text;
    text.text = r.text() ? r.text()->str() : "";
    co_return co_await next.call<SumT>(r.function()->str(), text);
  });
  f.expose_raw("reverse", [](Call&, std::span<const std::uint8_t> bytes) -> task<std::vector<std::uint8_t>> {
    co_return std::vector<std::uint8_t>(bytes.rbegin(), bytes.rend());
  });
  return f;
}

std::string argument(int argc, char** argv, std::string_view key) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind(key, 0) == 0) return std::string(a.substr(key.size()));
  }
  return {};
}

}  // namespace

int run_role_if_requested(int argc, char** argv) {
  const std::string role = argument(argc, argv, "--tether-role=");
  if (role.empty()) return -1;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test runner died: so do we
  const std::string name = argument(argc, argv, "--name=");
  if (role != "callee") {
    std::cerr << "unknown role " << role << "\n";
    return 2;
  }
  asio::io_context io{1};
  zmq::context_t context;
  std::uint64_t cancellations = 0;
  const Functions functions = callee_functions(cancellations);
  Actor actor(io.get_executor(), context, functions, test_actor_options(name.empty() ? role : name));
  std::cout << "ENDPOINT " << actor.endpoint() << std::endl;
  asio::co_spawn(io, actor.serve(), [](std::exception_ptr) {});
  io.run();
  return 0;
}

}  // namespace tether::test
