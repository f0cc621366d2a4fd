#include "tether/base/descriptors.hpp"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include <fmt/core.h>

#include "tether/base/log.hpp"

namespace tether {

namespace {

std::string exhausted_message(std::string_view making, bool system_wide, std::uint64_t limit) {
  if (system_wide)
    return fmt::format(
        "too many open files in the system (ENFILE; see /proc/sys/fs/file-max); {} needs "
        "more. Close programs or raise fs.file-max",
        making);
  return fmt::format(
      "too many open files: this process may have {} (ulimit -n); {} needs more. Raise it "
      "(ulimit -n, LimitNOFILE=) or run fewer actors or connections here",
      limit, making);
}

}  // namespace

DescriptorsExhausted::DescriptorsExhausted(std::string_view making, bool system_wide)
    : std::runtime_error(exhausted_message(making, system_wide, descriptor_limit())),
      limit_(descriptor_limit()),
      system_wide_(system_wide) {}

std::uint64_t raise_descriptor_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur == limit.rlim_max) return limit.rlim_cur;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::debug("descriptors: cannot raise the soft limit {} to the hard limit {}", before,
               limit.rlim_max);
    return before;
  }
  log::debug("descriptors: raised the soft limit from {} to the hard limit {}", before,
             limit.rlim_max);
  return limit.rlim_cur;
}

std::uint64_t descriptor_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return limit.rlim_cur == RLIM_INFINITY ? UINT32_MAX : limit.rlim_cur;
}

std::uint64_t open_descriptors() noexcept {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return descriptor_limit();  // most likely EMFILE itself
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count - 1;  // the directory's own descriptor
}

std::uint64_t accept_reserve() noexcept {
  return std::max<std::uint64_t>(16, descriptor_limit() / 16);
}

void reserve_descriptors(std::size_t count, std::string_view making) {
  const std::uint64_t limit = descriptor_limit();
  const std::uint64_t wanted = open_descriptors() + count + accept_reserve();
  if (wanted > limit) throw DescriptorsExhausted(making);
}

bool is_descriptor_exhaustion(int error) noexcept {
  return error == EMFILE || error == ENFILE;
}

void throw_if_exhausted(int error, std::string_view making) {
  if (is_descriptor_exhaustion(error)) throw DescriptorsExhausted(making, error == ENFILE);
}

}  // namespace tether
