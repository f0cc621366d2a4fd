// The registry connection keeper: handshake, heartbeats, loss detection, reconnects,
// and restoring registrations and watches on every new session.
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "registry_client_core.hpp"
#include "tether/base/host.hpp"
#include "tether/base/log.hpp"
#include "tether/registry/entry_codec.hpp"
#include "tether/wire/handshake.hpp"

namespace tether::detail {

namespace asio = boost::asio;
using std::chrono::milliseconds;

task<void> RegistryClientCore::run() {
  if (running_) throw std::logic_error("RegistryClient::run() is already running");
  running_ = true;
  auto backoff = options_.reconnect_min;
  std::exception_ptr stopped;
  try {
    asio::steady_timer pause(executor_);
    for (;;) {
      const auto before = sessions_;
      co_await session();
      if (sessions_ != before) backoff = options_.reconnect_min;  // it had worked
      log::debug("registry client {}: {}; reconnecting to {} in {} ms", options_.name,
                 lost_reason_, options_.endpoint, backoff.count());
      pause.expires_after(backoff);
      co_await pause.async_wait(asio::use_awaitable);
      backoff = std::min(backoff * 2, options_.reconnect_max);
    }
  } catch (...) {
    stopped = std::current_exception();
  }
  co_await allow_cleanup();
  co_await shielded(deregister_all());
  running_ = false;
  end_session();
  for (auto& watch : watches_) watch->fail("the registry client stopped");
  watches_.clear();
  std::rethrow_exception(stopped);
}

task<void> RegistryClientCore::deregister_all() {
  if (!connected_.is_set() || registered_.empty()) co_return;
  for (const auto& [uid, record] : registered_)
    (void)send([&](flatbuffers::FlatBufferBuilder& b) {
      return wire::CreateDeregister(b, b.CreateString(uid));
    });
  registered_.clear();
  // Fire and forget, but handed to zmq before we close: the entries are gone at once
  // instead of lingering until their leases end. A live registry takes microseconds; a
  // dead one (not yet noticed) must not hold up our exit, hence the short bound.
  (void)co_await socket_->flush(std::min(options_.request_timeout / 2, milliseconds(200)));
}

// Long on purpose: one connection's whole life (socket, Hello, the nursery of its
// tasks, how it ends), whose locals its handlers share by reference.
task<void> RegistryClientCore::session() {
  transport::SocketConfig config;
  config.kind = transport::SocketKind::dealer;
  config.options = transport::with_link_timeout(
      options_.socket, options_.heartbeat_interval * options_.heartbeat_liveness);
  config.watch_connections = true;
  config.routing_id = options_.uid;
  config.curve_client = options_.curve;
  config.identity_uid = options_.uid;
  config.identity_name = options_.name;
  auto socket = std::make_shared<transport::Socket>(executor_, context_, std::move(config));
  socket->connect(options_.endpoint);
  socket->start();
  socket_ = socket;
  last_sent_ = Clock::now();

  RegistryReply welcome(executor_);
  Subscription expecting_welcome = subscribe_slot(welcome_, &welcome);
  const wire::HelloFields fields{
      .self = {options_.uid, options_.name, 0},
      .endpoint = {},
      .heartbeat_ms = static_cast<std::uint32_t>(options_.heartbeat_interval.count()),
      .pid = static_cast<std::uint32_t>(::getpid()),
      .host = host_name()};
  hello_msg_id_ = ++next_msg_id_;
  auto hello = wire::encode_hello(
      encoder_, {.msg_id = hello_msg_id_, .from = {options_.uid, options_.name, 0}}, fields);
  (void)socket->send({.peer = {}, .envelope = transport::make_frame(hello), .attachments = {}},
                     transport::Priority::control);

  CancelScope scope;
  // The registry is lost when its connection closes (it exited, froze or is cut off:
  // ZMTP heartbeats), never because our own loop was too busy to hear it.
  socket->on_disconnected([&] {
    lost_reason_ = "the connection to the registry closed";
    scope.cancel();
  });
  // The handler refers to this frame: retract it whichever way we leave.
  Subscription unhook([&socket = *socket] { socket.on_disconnected(nullptr); });
  auto body = [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon(receive_loop(socket, scope));
      if (!co_await welcome.wait_for(options_.request_timeout)) {
        lost_reason_ = "no answer to Hello within " +
                       std::to_string(options_.request_timeout.count()) + " ms";
        scope.cancel();
        co_return;
      }
      const auto* answer = welcome.value().envelope().body_as_Welcome();
      if (!answer->accepted()) {
        lost_reason_ = "the registry refused us: " +
                       (answer->reason() ? answer->reason()->str() : std::string("no reason"));
        log::error("registry client {}: {}", options_.name, lost_reason_);
        scope.cancel();
        co_return;
      }
      ++sessions_;
      connected_.set();
      log::debug("registry client {}: connected to {} (session {})", options_.name,
                 options_.endpoint, sessions_);
      n.start_soon(keep_alive());
      n.start_soon(restore_session());
    });
  };
  std::exception_ptr cancelled;
  try {
    co_await scope.run(body());
  } catch (...) {
    cancelled = std::current_exception();  // run() itself is being cancelled
  }
  expecting_welcome.reset();
  // On cancellation the socket stays open: run() still deregisters through it.
  if (cancelled) std::rethrow_exception(cancelled);
  end_session();
}

void RegistryClientCore::end_session() {
  connected_.reset();
  welcome_ = nullptr;
  if (socket_) socket_->close();
  socket_.reset();
  for (auto& [id, request] : pending_) request->abandon();
}

task<void> RegistryClientCore::receive_loop(std::shared_ptr<transport::Socket> socket,
                                            CancelScope& scope) {
  co_await transport::receive_until_closed(
      *socket, [&](transport::InboundMessage message) { handle(std::move(message), scope); });
}

void RegistryClientCore::handle(transport::InboundMessage message, CancelScope& scope) {
  const wire::Envelope& env = message.envelope();
  switch (env.body_type()) {
    case wire::Body::Heartbeat:
      return;
    case wire::Body::Welcome:
      if (welcome_ && env.in_reply_to() == hello_msg_id_) welcome_->set_value(std::move(message));
      return;
    case wire::Body::Error:
      if (env.body_as_Error()->kind() == wire::ErrorKind::UnknownPeer) {
        // The registry restarted (or forgot us): a new session re-registers everything.
        lost_reason_ = "the registry does not know this client any more (restarted?)";
        scope.cancel();
        return;
      }
      break;
    case wire::Body::WatchEvent:
      for (auto& watch : watches_)
        if (watch->subscription == env.in_reply_to()) {
          const auto* event = env.body_as_WatchEvent();
          const auto kind = event->kind() == wire::WatchEventKind::Join    ? RegistryEventKind::join
                            : event->kind() == wire::WatchEventKind::Leave ? RegistryEventKind::leave
                                                                          : RegistryEventKind::expired;
          watch->push({kind, event->entry() ? registry::decode_entry(*event->entry()) : ActorRecord{},
                       event->seq()});
        }
      return;
    case wire::Body::ListReply:
      for (auto& watch : watches_)
        if (watch->subscription == env.in_reply_to()) {
          const auto* reply = env.body_as_ListReply();
          watch->on_snapshot(registry::decode_entries(reply->entries()), reply->seq());
          return;
        }
      break;
    default:
      break;
  }
  if (auto it = pending_.find(env.in_reply_to()); it != pending_.end()) {
    it->second->set_value(std::move(message));
    return;
  }
  log::debug("registry client {}: unexpected {} from the registry dropped", options_.name,
             wire::EnumNameBody(env.body_type()));
}

task<void> RegistryClientCore::keep_alive() {
  // Idle heartbeats, for registries that renew leases by traffic; ours renews them for
  // as long as the connection lives.
  const auto interval = options_.heartbeat_interval;
  asio::steady_timer tick(executor_);
  for (;;) {
    tick.expires_after(interval / 4);
    co_await tick.async_wait(asio::use_awaitable);
    if (Clock::now() - last_sent_ >= interval)
      (void)send([](flatbuffers::FlatBufferBuilder& b) { return wire::CreateHeartbeat(b); });
  }
}

task<void> RegistryClientCore::restore_session() {
  for (auto& watch : watches_) subscribe(*watch);
  // Copied: register_actor may change the map while a request waits.
  std::vector<ActorRecord> records;
  for (const auto& [uid, record] : registered_) records.push_back(record);
  for (const auto& record : records) {
    auto body = [&](flatbuffers::FlatBufferBuilder& b) { return encode_register(b, record); };
    try {
      (void)co_await request(body, options_.request_timeout);
    } catch (const RegistryRefused& refused) {
      log::error("registry client {}: re-registering '{}' refused: {}", options_.name,
                 record.name, refused.what());
      registered_.erase(record.uid);
    } catch (const RegistryUnavailable&) {
      co_return;  // the session is gone already; the next one tries again
    }
  }
}

}  // namespace tether::detail
