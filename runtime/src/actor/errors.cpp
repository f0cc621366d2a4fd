#include "tether/actor/errors.hpp"

namespace tether {

namespace {
std::string path_of(const RemoteError::Details& d) {
  std::string path;
  for (std::size_t i = 0; i < d.relay_path.size(); ++i)
    path += (i ? " -> " : "") + d.relay_path[i].name;
  return path;
}

std::string summary(const RemoteError::Details& d) {
  const std::string path = path_of(d);
  return "remote error from " + d.origin.display() + ": " + d.type_name + ": " + d.message +
         (path.empty() ? "" : " [path " + path + "]") +
         (d.members.size() > 1 ? " (" + std::to_string(d.members.size()) + " failures)" : "");
}
}  // namespace

RemoteError::RemoteError(Details details)
    : std::runtime_error(summary(details)), details_(std::move(details)) {}

std::string RemoteError::path_text() const {
  return path_of(details_);
}

std::vector<std::exception_ptr> RemoteError::member_errors() const {
  std::vector<std::exception_ptr> errors;
  for (const auto& member : details_.members) errors.push_back(make_remote_error(member));
  return errors;
}

PeerLost::PeerLost(ActorIdentity peer, const std::string& why, std::optional<ActorExit> exit)
    : std::runtime_error("peer " + peer.display() + " lost: " + why),
      peer_(std::move(peer)),
      exit_(std::move(exit)) {}

std::optional<ActorExit> exit_of(const std::exception_ptr& error) {
  if (!error) return std::nullopt;
  try {
    std::rethrow_exception(error);
  } catch (const ActorExited& e) {
    return e.exit();
  } catch (const PeerLost& e) {
    if (e.exit()) return e.exit();
    return ActorExit{e.peer(), ExitReason::peer_lost, {}, error};
  } catch (const RemoteError& e) {
    return e.exit();
  } catch (...) {
    return std::nullopt;
  }
}

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
