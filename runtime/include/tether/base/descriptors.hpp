#pragma once
// The file descriptors a process may hold (RLIMIT_NOFILE), and the reserve that keeps
// libzmq from aborting when they run out.
//
// libzmq 4.3.4 asserts instead of failing in two places when a descriptor cannot be
// had: starting a context's threads (epoll_create, src/epoll.cpp:65) and accepting on
// an ipc:// listener (src/ipc_listener.cpp:325 allows ENFILE but not EMFILE). Both run
// where we cannot catch anything, so tether keeps accept_reserve() descriptors free:
// everything the process makes itself asks reserve_descriptors() first (and gets
// DescriptorsExhausted instead of an abort), and inboxes stop accepting before the
// reserve is touched (SocketConfig::max_connections).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tether/base/errors.hpp"

namespace tether {

/// Raises the soft RLIMIT_NOFILE to the hard limit (what most servers do at start) and
/// returns the soft limit now. Logged at debug. Never fails: a refusal keeps the old one.
std::uint64_t raise_descriptor_limit() noexcept;

/// The soft RLIMIT_NOFILE now: how many descriptors this process may have open.
std::uint64_t descriptor_limit() noexcept;

/// How many descriptors this process has open now (/proc/self/fd). Costs a directory
/// read, about a microsecond per open descriptor; the limit when it cannot be read.
std::uint64_t open_descriptors() noexcept;

/// Descriptors kept free for libzmq's listeners to accept into between our noticing a
/// flood and shutting the door: max(16, limit / 16).
std::uint64_t accept_reserve() noexcept;

/// Throws DescriptorsExhausted(making) unless `count` more descriptors fit under the
/// limit with accept_reserve() still free.
void reserve_descriptors(std::size_t count, std::string_view making);

/// Whether `error` (an errno value) says descriptors ran out: EMFILE or ENFILE.
bool is_descriptor_exhaustion(int error) noexcept;

/// Throws DescriptorsExhausted(making) if `error` is EMFILE or ENFILE; returns otherwise.
void throw_if_exhausted(int error, std::string_view making);

}  // namespace tether
