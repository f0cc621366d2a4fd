#pragma once
// Process-wide logging. Every line carries the actor's name and id (set once per
// process with `set_identity`) so one actor's story can be grepped from a cluster log.
// Thread-safe; writes whole lines to stderr.

#include <string_view>

#include <fmt/core.h>

namespace tether::log {

enum class Level { trace = 0, debug, info, warn, error, off };

/// Parses "trace", "debug", "info", "warn", "error" or "off"; unknown text gives info.
/// A TETHER_LOG that is none of these is reported once on stderr, naming it.
Level parse_level(std::string_view text) noexcept;
/// The name parse_level() reads back ("debug").
std::string_view level_name(Level level) noexcept;

/// Initial level comes from the TETHER_LOG environment variable (default: warn).
void set_level(Level level) noexcept;
Level level() noexcept;
inline bool enabled(Level l) noexcept {
  return l >= level();
}

/// Name and id shown on every line of this process.
void set_identity(std::string_view name, std::string_view id);

void write(Level level, std::string_view message);

template <class... Args>
void emit(Level l, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(l)) write(l, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::debug, f, std::forward<Args>(a)...);
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::info, f, std::forward<Args>(a)...);
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::warn, f, std::forward<Args>(a)...);
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... a) {
  emit(Level::error, f, std::forward<Args>(a)...);
}

}  // namespace tether::log
