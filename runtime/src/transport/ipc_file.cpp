#include "ipc_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace tether::transport {

IpcFile IpcFile::bound_at(std::string_view endpoint) {
  constexpr std::string_view scheme = "ipc://";
  IpcFile file;
  if (!endpoint.starts_with(scheme)) return file;
  struct stat st {};
  const std::string path(endpoint.substr(scheme.size()));
  if (path.empty() || path[0] == '@' || ::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
    return file;  // abstract sockets ('@') have no file
  file.path_ = path;
  file.device_ = st.st_dev;
  file.inode_ = st.st_ino;
  return file;
}

IpcFile::IpcFile(IpcFile&& other) noexcept
    : path_(std::exchange(other.path_, {})), device_(other.device_), inode_(other.inode_) {}

IpcFile& IpcFile::operator=(IpcFile&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
    device_ = other.device_;
    inode_ = other.inode_;
  }
  return *this;
}

void IpcFile::remove() noexcept {
  if (path_.empty()) return;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_)
    ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace tether::transport
