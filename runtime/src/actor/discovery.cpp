// The actor's side of discovery: its own registration, finding peers by name, and
// stop requests that name one of our children (`tether cancel`).
#include <unistd.h>

#include <chrono>

#include "actor_core.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/base/host.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

task<void> ActorCore::register_self() {
  ActorRecord record;
  record.name = identity_.name;
  record.uid = identity_.uid;
  record.incarnation = identity_.incarnation;
  record.endpoints = {endpoint_};
  record.host = host_name();
  record.pid = static_cast<std::uint32_t>(::getpid());
  record.parent_uid = options_.parent_uid;
  record.tags = options_.tags;
  record.name_space = options_.name_space;
  record.started_unix_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  try {
    co_await registry_->register_actor(std::move(record));
    log::debug("actor {}: registered at {} as '{}'", identity_.display(), options_.registry,
               identity_.name);
  } catch (const RegistryUnavailable& e) {
    // Kept: the client registers it as soon as a registry answers.
    log::warn("actor {}: not registered yet: {}", identity_.display(), e.what());
  } catch (const RegistryRefused& e) {
    log::error("actor {}: registration refused: {}", identity_.display(), e.what());
  }
}

void ActorCore::on_child_stop_request(Peer& peer, const wire::Envelope& envelope,
                                      std::string child_uid) {
  const std::string requester = peer.identity.uid;
  const std::uint64_t request_id = envelope.msg_id();
  auto acknowledge = [this, requester, request_id] {
    if (Peer* p = find_peer(requester)) send_stop_ack(*p, request_id);
  };
  auto owner = child_nurseries_.find(child_uid);
  if (owner != child_nurseries_.end() && owner->second->stop_on_request(child_uid, acknowledge))
    return;
  send_error_reply(peer, {.in_reply_to = request_id},
                   wire::ErrorKind::NotFound,
                   "actor " + identity_.display() + " has no running child " + child_uid);
}

}  // namespace tether::detail

namespace tether {

RegistryClient* Actor::registry() noexcept {
  return core_->registry();
}

namespace {

task<Portal> connect_to_record(Actor& actor, detail::ActorCore& core, const ActorRecord& record) {
  if (detail::Peer* peer = core.find_peer(record.uid))  // already connected
    co_return Portal(core, peer->identity);
  std::exception_ptr last;
  for (const auto& endpoint : record.endpoints) {
    try {
      co_return co_await actor.connect(endpoint);
    } catch (const PeerLost&) {
      last = std::current_exception();  // try its next endpoint
    }
  }
  if (last) std::rethrow_exception(last);
  throw ActorNotFound("actor '" + record.name + "' (" + record.uid +
                      ") is registered without an endpoint");
}

RegistryClient& require_registry(detail::ActorCore& core) {
  if (!core.registry())
    throw std::logic_error("actor " + core.identity().display() +
                           " has no registry (set ActorOptions::registry)");
  return *core.registry();
}

}  // namespace

NameScope Actor::own_namespace() const {
  return NameScope::in(core_->options().name_space, core_->options().namespace_token);
}

task<Portal> Actor::find_actor(std::string name) {
  return find_actor(std::move(name), own_namespace());
}

task<Portal> Actor::wait_for_actor(std::string name, std::chrono::milliseconds timeout) {
  return wait_for_actor(std::move(name), timeout, own_namespace());
}

namespace {

std::string where(const NameScope& scope) {
  return scope.every_namespace() ? "in any namespace"
                                 : "in namespace '" + scope.name_space() + "'";
}

/// A lookup across namespaces names one actor or none: with several, which one is
/// meant cannot be told (and a stranger could have registered the name to be picked).
void require_unambiguous(const std::string& name, const std::vector<ActorRecord>& found,
                         const NameScope& scope) {
  if (!scope.every_namespace() || found.size() < 2) return;
  std::string spaces;
  for (const auto& r : found) spaces += (spaces.empty() ? "" : ", ") + r.name_space;
  throw ActorNotFound(fmt::format(
      "'{}' names {} actors (namespaces: {}); look it up in one namespace", name, found.size(),
      spaces));
}

}  // namespace

task<Portal> Actor::find_actor(std::string name, NameScope scope) {
  auto found = co_await require_registry(*core_).lookup(name, scope);
  log::debug("actor {}: lookup '{}' {}: {} found", core_->identity().display(), name, where(scope),
             found.size());
  if (found.empty())
    throw ActorNotFound("no actor named '" + name + "' is registered " + where(scope));
  require_unambiguous(name, found, scope);
  co_return co_await connect_to_record(*this, *core_, found.front());
}

task<Portal> Actor::wait_for_actor(std::string name, std::chrono::milliseconds timeout,
                                   NameScope scope) {
  auto found = co_await require_registry(*core_).wait_for(name, timeout, scope);
  log::debug("actor {}: waited for '{}' {}: {}", core_->identity().display(), name, where(scope),
             found ? "found " + found->uid : std::string("not registered in time"));
  if (!found)
    throw ActorNotFound("no actor named '" + name + "' registered " + where(scope) + " within " +
                        std::to_string(timeout.count()) + " ms");
  if (scope.every_namespace())
    require_unambiguous(name, co_await require_registry(*core_).lookup(name, scope), scope);
  co_return co_await connect_to_record(*this, *core_, *found);
}

}  // namespace tether
