#include "tether/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tether::log {
namespace {

constexpr std::string_view kLevelNames = "trace, debug, info, warn, error, off";

Level initial_level() {
  const char* env = std::getenv("TETHER_LOG");
  if (!env) return Level::warn;
  const Level level = parse_level(env);
  if (level == Level::info && std::string_view(env) != "info") {
    // Said at once, so a typo never silently hides the lines it was meant to show.
    const std::string line = fmt::format(
        "tether: TETHER_LOG='{}' is not a level (want {}); using info\n", env, kLevelNames);
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
  }
  return level;
}

std::atomic<Level>& current() {
  static std::atomic<Level> level{initial_level()};
  return level;
}

struct Identity {
  std::mutex mutex;
  std::string prefix = fmt::format("[pid {}]", ::getpid());
};
Identity& identity() {
  static Identity id;
  return id;
}

}  // namespace

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::trace:
      return "trace";
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
    case Level::off:
      break;
  }
  return "off";
}

namespace {

/// Names, uids and reasons in a message may come from peers: a newline or an escape
/// sequence in one must not forge a line of its own or rewrite the terminal.
std::string without_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  return out;
}

}  // namespace

Level parse_level(std::string_view text) noexcept {
  for (auto l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::off})
    if (text == level_name(l)) return l;
  return Level::info;
}

void set_level(Level level) noexcept {
  current().store(level, std::memory_order_relaxed);
}
Level level() noexcept {
  return current().load(std::memory_order_relaxed);
}

void set_identity(std::string_view name, std::string_view id) {
  auto& ident = identity();
  std::lock_guard lock(ident.mutex);
  ident.prefix = fmt::format("[{} {} pid {}]", name, id, ::getpid());
}

void write(Level l, std::string_view message) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto& ident = identity();
  std::string line;
  {
    std::lock_guard lock(ident.mutex);
    line = fmt::format("{}.{:03d} {:5} {} {}\n", ms / 1000, ms % 1000, level_name(l), ident.prefix,
                       without_controls(message));
  }
  // One write per line so concurrent processes sharing stderr do not interleave mid-line.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace tether::log
