// Heartbeats and peer loss: a dead peer is an error, never a hang.
#include <fmt/core.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"
#include "context_state.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

namespace asio = boost::asio;

task<void> ActorCore::watch_peers() {
  const auto interval = options_.heartbeat_interval;
  const auto silence_limit = interval * options_.heartbeat_liveness;
  asio::steady_timer tick(executor_);
  for (;;) {
    tick.expires_after(interval / 4);  // detection within a quarter interval of the limit
    co_await tick.async_wait(asio::use_awaitable);
    const auto now = Clock::now();
    std::vector<std::string> lost;
    for (auto& [uid, peer] : peers_) {
      if (now - peer->last_heard > silence_limit) {
        lost.push_back(uid);
      } else if (now - peer->last_sent >= interval) {
        send(
            *peer, {.msg_id = ++next_msg_id_},
            [](flatbuffers::FlatBufferBuilder& b) { return wire::CreateHeartbeat(b); },
            transport::Priority::control);
      }
    }
    for (const auto& uid : lost)
      lose_peer(uid,
                fmt::format(
                    "no traffic for {} ms",
                    std::chrono::duration_cast<std::chrono::milliseconds>(silence_limit).count()));
  }
}

void ActorCore::lose_peer(const std::string& uid, const std::string& why) {
  auto it = peers_.find(uid);
  if (it == peers_.end()) return;
  std::unique_ptr<Peer> peer = std::move(it->second);
  peers_.erase(it);
  if (!peer->pending.empty() || !peer->serving.empty())
    log::warn("actor {}: peer {} lost ({}): failing {} pending calls, cancelling {} it made",
              identity_.display(), peer->identity.display(), why, peer->pending.size(),
              peer->serving.size());
  for (auto& [id, pending] : peer->pending) {
    if (pending->done()) continue;
    pending->failure = std::make_exception_ptr(PeerLost(peer->identity, why));
    pending->complete();
  }
  for (auto& [id, context] : peer->contexts) context->on_outcome();
  for (auto& [id, serving] : peer->serving) {
    if (serving.context)
      serving.context->stream->end(std::make_exception_ptr(PeerLost(peer->identity, why)));
    serving.cancel();
  }
  if (peer->dealer) {
    dealer_owner_.erase(peer->dealer.get());
    peer->dealer->close();
  }
  // Listeners last: they may start teardown that looks the peer up (it is gone now).
  auto [first, last] = loss_listeners_.equal_range(uid);
  std::vector<std::function<void(const std::string&)>> listeners;
  for (auto it = first; it != last; ++it) listeners.push_back(std::move(it->second.second));
  loss_listeners_.erase(first, last);
  for (auto& listener : listeners) listener(why);
}

std::uint64_t ActorCore::listen_for_loss(const std::string& uid,
                                         std::function<void(const std::string&)> listener) {
  const auto key = ++next_listener_;
  loss_listeners_.emplace(uid, std::make_pair(key, std::move(listener)));
  return key;
}

void ActorCore::unlisten(std::uint64_t key) {
  for (auto it = loss_listeners_.begin(); it != loss_listeners_.end(); ++it)
    if (it->second.first == key) {
      loss_listeners_.erase(it);
      return;
    }
}

}  // namespace tether::detail
