#pragma once
// `tether registry` as a child process of a test, serving on `endpoint` until the
// object is destroyed (then SIGKILLed and reaped).

#include <stdexcept>
#include <string>

#include "child_process.hpp"

namespace tether::test {

class RegistryProcess {
 public:
  explicit RegistryProcess(const std::string& endpoint)
      : process_({TETHER_CLI, "registry", "--bind", endpoint, "--heartbeat-ms", "100"}) {
    const std::string line = process_.read_line(std::chrono::seconds(10));
    if (line.find("serving on") == std::string::npos)
      throw std::runtime_error("tether registry printed '" + line + "'");
  }
  ChildProcess& process() { return process_; }
  const ChildProcess& process() const { return process_; }

 private:
  ChildProcess process_;
};

}  // namespace tether::test
