#include "tether/base/host.hpp"

#include <limits.h>
#include <unistd.h>

namespace tether {

const std::string& host_name() {
  static const std::string name = [] {
    char buffer[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buffer, sizeof buffer) != 0) return std::string("unknown");
    return std::string(buffer);
  }();
  return name;
}

}  // namespace tether
