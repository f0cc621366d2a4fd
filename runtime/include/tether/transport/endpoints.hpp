#pragma once
// Endpoints: checking the ones people type, and choosing where local actors bind (ipc
// sockets in a private runtime directory).

#include <filesystem>
#include <string>
#include <string_view>

#include "tether/base/result.hpp"

namespace tether::transport {

/// Why libzmq would refuse or misread `endpoint` ("port 99999 is above the maximum
/// 65535"); ok for tcp://HOST:PORT (PORT a number or *), ipc://PATH (within the
/// socket path limit) and inproc://NAME. libzmq itself says only "Invalid argument", or
/// binds an out-of-range port modulo 65536.
Result<void, std::string> endpoint_problem(std::string_view endpoint);

/// Throws std::invalid_argument naming `endpoint` and its problem, if it has one.
void check_endpoint(std::string_view endpoint);

/// The longest path an ipc:// endpoint may have (sizeof(sockaddr_un::sun_path) - 1).
std::size_t max_ipc_path();

/// $XDG_RUNTIME_DIR/tether, else /tmp/tether-<euid>; created 0700 if missing. When the
/// first is too long to leave room for an actor's socket file within max_ipc_path(),
/// the second is used (with a warning). Throws a one-line std::runtime_error naming the
/// directory if it cannot be created, belongs to another user or others can enter it (a
/// shared directory would let them connect to every local actor).
std::filesystem::path private_runtime_directory();

/// Why private_runtime_directory() is not $XDG_RUNTIME_DIR/tether although that is set
/// (it is too long), or empty. A root actor warns with it once.
std::string runtime_directory_fallback_reason();

/// ipc://<private runtime directory>/<name>.sock
std::string private_ipc_endpoint(std::string_view name);

/// ipc://<private runtime directory>/<name>-<pid>-<uid>.sock, an actor's inbox: the name
/// shortened so the path fits max_ipc_path(). Removes the stale socket files of actors
/// that are gone (once per process), so files left by killed actors do not gather.
/// The Socket that binds it removes the file when it closes.
std::string actor_ipc_endpoint(std::string_view name, std::string_view uid);

}  // namespace tether::transport
