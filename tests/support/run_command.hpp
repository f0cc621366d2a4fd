#pragma once
// Runs a shell command line as a user would, for tests of programs and the CLI.

#include <array>
#include <cstdio>
#include <string>
#include <utility>

namespace tether::test {

/// Runs `command` through the shell; returns its wait status and its stdout.
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::array<char, 512> chunk;
  while (std::fgets(chunk.data(), chunk.size(), pipe)) output += chunk.data();
  return {::pclose(pipe), output};
}

}  // namespace tether::test
