#include "tether/transport/endpoints.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace tether::transport {

std::filesystem::path private_runtime_directory() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  const std::filesystem::path dir =
      (xdg && *xdg) ? std::filesystem::path(xdg) / "tether"
                    : std::filesystem::path("/tmp") / ("tether-" + std::to_string(::geteuid()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create runtime directory " + dir.string());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0)
    throw std::runtime_error(
        "runtime directory " + dir.string() +
        " is not a private directory of this user (want mode 0700, owned by us)");
  return dir;
}

std::string private_ipc_endpoint(std::string_view name) {
  return "ipc://" + (private_runtime_directory() / (std::string(name) + ".sock")).string();
}

}  // namespace tether::transport
