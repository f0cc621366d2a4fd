#include "tether/transport/endpoints.hpp"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

std::filesystem::path private_runtime_directory() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  const std::filesystem::path dir =
      (xdg && *xdg) ? std::filesystem::path(xdg) / "tether"
                    : std::filesystem::path("/tmp") / ("tether-" + std::to_string(::geteuid()));
  const char* hint = (xdg && *xdg) ? "; set XDG_RUNTIME_DIR to a private directory of yours" : "";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create runtime directory " + dir.string() + ": " +
                             std::strerror(errno) + hint);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0)
    throw std::runtime_error("runtime directory " + dir.string() +
                             " is not a private directory of this user (want mode 0700, owned "
                             "by us)" + hint);
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("runtime directory " + dir.string() + " is not writable: " +
                             std::strerror(errno) + hint);
  return dir;
}

std::string private_ipc_endpoint(std::string_view name) {
  return "ipc://" + (private_runtime_directory() / (std::string(name) + ".sock")).string();
}

}  // namespace tether::transport
