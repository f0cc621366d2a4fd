#pragma once
// IpcFile: the socket file an ipc:// bind created, owned by the Socket that bound it.
// libzmq 4.3 leaves the file behind when the socket closes, so a runtime directory
// gathered one file per actor ever run; the owner removes it when its socket closes.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace tether::transport {

class IpcFile {
 public:
  IpcFile() = default;
  /// The file behind `endpoint` as bound just now (nothing for tcp:// or inproc://).
  static IpcFile bound_at(std::string_view endpoint);
  IpcFile(IpcFile&& other) noexcept;
  IpcFile& operator=(IpcFile&& other) noexcept;
  ~IpcFile() { remove(); }

  /// Unlinks the file, unless another socket has bound the same path since (then the
  /// file there is that one's, a different inode, and stays).
  void remove() noexcept;
  /// The file's path; empty when there is none.
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace tether::transport
