#include <csignal>
#include <cstdio>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <zmq.hpp>

#include "commands.hpp"
#include "tether/base/log.hpp"
#include "tether/concurrency/errors.hpp"
#include "tether/registry/registry_service.hpp"

namespace tether::cli {

namespace asio = boost::asio;

int run_registry(const RegistryCommand& command) {
  asio::io_context io{1};
  zmq::context_t context;
  std::optional<registry::RegistryService> service;
  try {
    service.emplace(io.get_executor(), context,
                    registry::RegistryServiceOptions{.bind_endpoint = command.bind,
                                                     .heartbeat_interval = command.heartbeat,
                                                     .default_lease = command.default_lease});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tether registry: %s\n", e.what());  // names the endpoint
    return 2;
  }
  log::set_identity("registry", "");
  std::printf("tether registry: serving on %s\n", service->endpoint().c_str());
  std::fflush(stdout);

  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop.emit(asio::cancellation_type::terminal);
  });
  int code = 0;
  asio::co_spawn(io, service->run(),
                 asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr e) {
                   if (e && !is_cancellation(e)) {
                     std::fprintf(stderr, "tether registry: %s\n", describe(e).c_str());
                     code = 1;
                   }
                   io.stop();
                 }));
  io.run();
  return code;
}

}  // namespace tether::cli
