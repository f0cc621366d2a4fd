#pragma once
// A private (0700) temporary directory removed with its contents on destruction, for
// ipc:// endpoints as a local cluster uses them.

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tether::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tether-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string ipc_endpoint(const std::string& name) const {
    return "ipc://" + (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace tether::test
