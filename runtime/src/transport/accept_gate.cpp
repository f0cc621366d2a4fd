#include "accept_gate.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tether/base/descriptors.hpp"
#include "tether/base/log.hpp"

namespace tether::transport {

namespace {

constexpr std::uint64_t kBaseUse = 32;  // see default_max_connections()
// A /proc scan costs about a microsecond per open descriptor, so a flood is not
// scanned per connection: between scans the open count is estimated, and rescanned
// when the estimate nears the reserve or this many connections came in.
constexpr std::size_t kScanEvery = 64;

}  // namespace

std::size_t default_max_connections() {
  const std::uint64_t limit = descriptor_limit();
  return limit > kBaseUse + 2 ? static_cast<std::size_t>((limit - kBaseUse) / 2) : 1;
}

AcceptGate::AcceptGate(std::string path, std::size_t bound, std::string who)
    : path_(std::move(path)),
      aside_(path_ + ".full"),
      bound_(std::max<std::size_t>(1, bound)),
      low_water_(bound_ - std::max<std::size_t>(1, bound_ / 4)),
      who_(std::move(who)),
      open_at_scan_(open_descriptors()) {}

void AcceptGate::accepted(int fd) {
  if (closed_) return;
  struct stat st {};
  Identity identity{};
  if (::fstat(fd, &st) == 0) identity = {st.st_dev, st.st_ino};
  held_[fd] = identity;
  ++accepted_since_scan_;
  if (shut_) return;
  if (held_.size() >= bound_) forget_closed();
  if (held_.size() >= bound_)
    shut_door(fmt::format("it holds {} connections, its bound", held_.size()));
  else if (descriptors_low())
    shut_door(fmt::format("only {} of {} descriptors are free",
                          descriptor_limit() - std::min(descriptor_limit(), open_at_scan_),
                          descriptor_limit()));
}

void AcceptGate::disconnected(int fd) {
  if (closed_) return;
  if (held_.erase(fd) == 0) return;
  log::debug("transport: {} connection {} closed ({} held)", who_, fd, held_.size());
  if (shut_ && held_.size() < low_water_ && !descriptors_low()) open_door();
}

void AcceptGate::recheck() {
  if (closed_) return;
  forget_closed();
  const bool low = descriptors_low();
  if (shut_ && held_.size() < low_water_ && !low) open_door();
}

void AcceptGate::forget_closed() {
  for (auto it = held_.begin(); it != held_.end();) {
    struct stat st {};
    const bool same = ::fstat(it->first, &st) == 0 && st.st_dev == it->second.device &&
                      st.st_ino == it->second.inode;
    it = same ? std::next(it) : held_.erase(it);
  }
}

bool AcceptGate::descriptors_low() {
  const std::uint64_t limit = descriptor_limit();
  const std::uint64_t reserve = accept_reserve();
  // Shut with a reserve left; open again only with twice that, so it does not flap.
  const std::uint64_t wanted = shut_ ? 2 * reserve : reserve;
  const bool near = open_at_scan_ + accepted_since_scan_ + 2 * wanted >= limit;
  if (shut_ || near || accepted_since_scan_ >= kScanEvery) {
    open_at_scan_ = open_descriptors();
    accepted_since_scan_ = 0;
  }
  return open_at_scan_ + wanted >= limit;
}

void AcceptGate::shut_door(std::string_view why) {
  if (::rename(path_.c_str(), aside_.c_str()) != 0) {
    log::warn("transport: {} cannot stop accepting connections ({}): rename {}: {}", who_, why,
              path_, std::strerror(errno));
    return;
  }
  shut_ = true;
  log::warn(
      "transport: {} stopped accepting connections: {}; those it holds carry on, new ones wait "
      "until it holds fewer than {}",
      who_, why, low_water_);
}

void AcceptGate::open_door() {
  if (::rename(aside_.c_str(), path_.c_str()) != 0) {
    log::warn("transport: {} cannot accept connections again: rename {}: {}", who_, aside_,
              std::strerror(errno));
    return;
  }
  shut_ = false;
  log::warn("transport: {} accepts connections again ({} held)", who_, held_.size());
}

void AcceptGate::close() {
  if (closed_) return;
  closed_ = true;
  if (shut_) (void)::rename(aside_.c_str(), path_.c_str());
  shut_ = false;
}

}  // namespace tether::transport
