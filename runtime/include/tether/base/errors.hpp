#pragma once
// Errors about the process itself rather than any peer: the resources it runs on.

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace tether {

/// A socket, zmq context, pipe or pidfd could not be made because this process
/// (EMFILE) or the whole system (ENFILE) has no file descriptor to spare. Thrown instead
/// of letting libzmq abort; the message names the limit and what was being made:
///   "too many open files: this process may have 24 (ulimit -n); a zmq socket needs
///    more. Raise it (ulimit -n, LimitNOFILE=) or run fewer actors here"
class DescriptorsExhausted : public std::runtime_error {
 public:
  /// `making` names what could not be made ("a zmq socket"); `system_wide` for ENFILE.
  explicit DescriptorsExhausted(std::string_view making, bool system_wide = false);

  /// The soft RLIMIT_NOFILE when it was thrown.
  std::uint64_t limit() const noexcept { return limit_; }
  bool system_wide() const noexcept { return system_wide_; }

 private:
  std::uint64_t limit_;
  bool system_wide_;
};

}  // namespace tether
