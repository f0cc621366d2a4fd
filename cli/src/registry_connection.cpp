#include "registry_connection.hpp"

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "tether/base/random_id.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_endpoint.hpp"
#include "tether/transport/endpoints.hpp"

namespace tether::cli {

namespace asio = boost::asio;

// Long on purpose: every CLI command's one loop (registry choice, bound, errors and
// exit codes), kept together so each command ends the same way.
int run_with_registry(const std::string& configured, std::chrono::milliseconds timeout,
                      Bound bound, std::string_view who,
                      std::function<task<void>(RegistryClient&, zmq::context_t&)> body) {
  std::string endpoint;
  try {
    // The default endpoint lives in the runtime directory, which may be unusable.
    endpoint = resolve_registry_endpoint(configured);
    if (!endpoint.empty()) transport::check_endpoint(endpoint);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(who.size()), who.data(), e.what());
    return 2;
  }
  if (endpoint.empty()) {
    std::fprintf(stderr, "%.*s: no registry configured (TETHER_REGISTRY=none)\n",
                 static_cast<int>(who.size()), who.data());
    return 1;
  }
  asio::io_context io{1};
  zmq::context_t context;
  RegistryClientOptions options;
  options.endpoint = endpoint;
  options.uid = random_uid();
  options.name = std::string(who);
  options.request_timeout = timeout;
  RegistryClient client(io.get_executor(), context, options);

  const auto unanswered = [&] {
    return RegistryUnavailable("no registry answered at " + endpoint + " within " +
                               std::to_string(timeout.count()) + " ms");
  };
  auto connected_body = [&]() -> task<void> {
    if (!co_await client.wait_connected(timeout)) throw unanswered();
    co_await body(client, context);
  };
  auto session = [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      TaskHandle keeper = n.start_cancellable(client.run());
      if (bound == Bound::whole_command) {
        // A registry that says Welcome and then stalls must not double the wait.
        if (!co_await move_on_after(timeout, connected_body())) throw unanswered();
      } else {
        co_await connected_body();
      }
      keeper.cancel();
    });
  };
  std::exception_ptr failure;
  asio::co_spawn(io, session(), [&](std::exception_ptr e) {
    failure = e;
    io.stop();
  });
  io.run();
  if (!failure) return 0;
  auto print = [&](const std::exception_ptr& e) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(who.size()), who.data(),
                 describe(e).c_str());
  };
  try {
    std::rethrow_exception(failure);
  } catch (const ErrorGroup& group) {
    for (const auto& e : group.errors()) print(e);
  } catch (...) {
    print(failure);
  }
  return 1;
}

}  // namespace tether::cli
