#pragma once
// Where local actors bind: ipc sockets in a private runtime directory.

#include <filesystem>
#include <string>
#include <string_view>

namespace tether::transport {

/// $XDG_RUNTIME_DIR/tether, else /tmp/tether-<euid>; created 0700 if missing. Throws if
/// it exists but belongs to another user or others can enter it (a shared directory
/// would let them connect to every local actor).
std::filesystem::path private_runtime_directory();

/// ipc://<private runtime directory>/<name>.sock
std::string private_ipc_endpoint(std::string_view name);

}  // namespace tether::transport
