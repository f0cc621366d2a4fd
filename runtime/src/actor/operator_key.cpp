#include "operator_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "tether/base/random_id.hpp"
#include "tether/transport/endpoints.hpp"

namespace tether::detail {

namespace {

std::string read_key(int fd) {
  std::array<char, 128> buffer{};
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

std::string operator_key() {
  std::string path;
  try {
    path = (transport::private_runtime_directory() / "operator.key").string();
  } catch (const std::exception&) {
    return {};
  }
  // Made once, atomically: of two processes racing, one creates it and both read it.
  if (const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      fd >= 0) {
    const std::string key = random_uid() + random_uid() + random_uid() + random_uid();
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      return {};
    }
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string key = read_key(fd);
  ::close(fd);
  return key.size() >= 32 ? key : std::string();  // a partial write by a racing creator
}

bool is_operator_token(const std::string& token) {
  if (token.empty()) return false;
  const std::string key = operator_key();
  return !key.empty() && key == token;
}

}  // namespace tether::detail
