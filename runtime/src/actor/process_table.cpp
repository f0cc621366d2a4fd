#include "tether/actor/process_table.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace tether {

namespace {

/// (pid, ppid) of every process (zombies too, if asked).
std::vector<std::pair<pid_t, pid_t>> process_table(bool with_zombies = false) {
  std::vector<std::pair<pid_t, pid_t>> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may contain spaces, so parse after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && (with_zombies || state != 'Z'))
      out.emplace_back(std::stoi(name), ppid);
  }
  return out;
}

}  // namespace

std::vector<pid_t> live_children(pid_t parent) {
  std::vector<pid_t> out;
  for (auto [pid, ppid] : process_table())
    if (ppid == parent) out.push_back(pid);
  return out;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (auto [pid, ppid] : process_table(true))
    if (ppid == parent) out.push_back(pid);
  return out;
}

std::vector<pid_t> live_descendants(pid_t root) {
  const auto table = process_table();
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    for (auto [pid, ppid] : table)
      if (ppid == parent) {
        out.push_back(pid);
        frontier.push_back(pid);
      }
  }
  return out;
}

namespace {

/// The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z', ...), or 0 if there is none.
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : 0;
}

}  // namespace

bool process_running(pid_t pid) {
  const char state = process_state(pid);
  return state != 0 && state != 'Z';
}

bool process_stopped(pid_t pid) {
  const char state = process_state(pid);
  return state == 'T' || state == 't';
}

}  // namespace tether
