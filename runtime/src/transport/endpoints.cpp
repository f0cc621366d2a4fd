#include "tether/transport/endpoints.hpp"

#include <sys/un.h>

#include <stdexcept>

#include "tether/base/parse_number.hpp"

namespace tether::transport {

namespace {

Result<void, std::string> tcp_problem(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return Err{std::string("a tcp endpoint needs HOST:PORT")};
  const std::string_view port = address.substr(colon + 1);
  if (port == "*") return {};
  auto number = parse_number(port, {.max = 65535});
  if (!number) return Err{"port " + std::string(port) + " " + number.error()};
  return {};
}

}  // namespace

std::size_t max_ipc_path() {
  return sizeof(sockaddr_un::sun_path) - 1;  // room for the terminating NUL
}

Result<void, std::string> endpoint_problem(std::string_view endpoint) {
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos)
    return Err{std::string("not an endpoint (want tcp://HOST:PORT, ipc://PATH or inproc://NAME)")};
  const std::string_view scheme = endpoint.substr(0, scheme_end);
  const std::string_view address = endpoint.substr(scheme_end + 3);
  if (address.empty()) return Err{"no address after " + std::string(scheme) + "://"};
  if (scheme == "tcp") return tcp_problem(address);
  if (scheme == "ipc") {
    if (address.size() > max_ipc_path())
      return Err{"path of " + std::to_string(address.size()) +
                 " bytes is above the limit of " + std::to_string(max_ipc_path()) +
                 " for a unix socket"};
    return {};
  }
  if (scheme == "inproc") return {};
  return Err{"transport '" + std::string(scheme) + "' is not tcp, ipc or inproc"};
}

void check_endpoint(std::string_view endpoint) {
  if (auto problem = endpoint_problem(endpoint); !problem)
    throw std::invalid_argument("endpoint '" + std::string(endpoint) + "': " + problem.error());
}

}  // namespace tether::transport
