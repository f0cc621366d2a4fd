#include "tether/actor/errors.hpp"

namespace tether {

namespace {
std::string summary(const RemoteError::Details& d) {
  std::string path;
  for (std::size_t i = 0; i < d.relay_path.size(); ++i)
    path += (i ? " -> " : "") + d.relay_path[i].name;
  return "remote error from " + d.origin.display() + ": " + d.type_name + ": " + d.message +
         (path.empty() ? "" : " [path " + path + "]");
}
}  // namespace

RemoteError::RemoteError(Details details)
    : std::runtime_error(summary(details)), details_(std::move(details)) {}

std::string RemoteError::path_text() const {
  std::string path;
  for (std::size_t i = 0; i < details_.relay_path.size(); ++i)
    path += (i ? " -> " : "") + details_.relay_path[i].name;
  return path;
}

PeerLost::PeerLost(ActorIdentity peer, const std::string& why)
    : std::runtime_error("peer " + peer.display() + " lost: " + why), peer_(std::move(peer)) {}

std::exception_ptr make_remote_error(RemoteError::Details details) {
  switch (details.kind) {
    case wire::ErrorKind::UnknownFunction:
      return std::make_exception_ptr(UnknownFunction(std::move(details)));
    case wire::ErrorKind::PayloadTypeMismatch:
      return std::make_exception_ptr(PayloadTypeMismatch(std::move(details)));
    default:
      return std::make_exception_ptr(RemoteError(std::move(details)));
  }
}

}  // namespace tether
