#include "tether/registry/registry_service.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/core.h>

#include "tether/base/log.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/registry/entry_codec.hpp"
#include "tether/transport/socket.hpp"
#include "tether/wire/error_reply.hpp"
#include "tether/wire/handshake.hpp"

namespace tether::registry {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

/// A connection that said Hello. Keyed by its routing id (the client's uid).
struct Client {
  std::string name;
  milliseconds heartbeat;  // how often it expects to hear from us (from its Hello)
  Clock::time_point last_renewed;
  std::map<std::uint64_t, WatcherId> watches;  // Watch msg_id -> watcher
};

/// Who waits for an answer: the client and the msg_id of its request.
struct ReplyTo {
  std::string client;
  std::uint64_t msg_id = 0;
};

}  // namespace

class RegistryService::Impl {
 public:
  Impl(const asio::any_io_executor& executor, zmq::context_t& context,
       RegistryServiceOptions options)
      : executor_(executor),
        options_(std::move(options)),
        uid_(random_uid()),
        state_(options_.limits) {
    if (options_.bind_endpoint.empty())
      throw std::invalid_argument("the registry needs an endpoint to bind (--bind)");
    transport::SocketConfig config;
    config.kind = transport::SocketKind::router;
    config.options = transport::with_link_timeout(
        options_.socket, options_.heartbeat_interval * options_.heartbeat_liveness);
    config.watch_connections = true;
    config.curve_server = options_.curve;
    config.identity_uid = uid_;
    config.identity_name = "registry";
    socket_ = std::make_shared<transport::Socket>(executor_, context, std::move(config));
    endpoint_ = socket_->bind(options_.bind_endpoint);
    // A client is alive while its connection is: libzmq's ZMTP heartbeats close the
    // connection of a dead, frozen or cut-off client, and the route then goes.
    socket_->on_unroutable([this](std::string_view peer) { on_client_gone(std::string(peer)); });
    socket_->start();
  }

  ~Impl() { socket_->close(); }

  task<void> run() {
    log::info("registry {}: serving on {}", uid_, endpoint_);
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon(receive_loop());
      n.start_soon(tick_loop());
      co_return;
    });
  }

  const std::string& endpoint() const noexcept { return endpoint_; }
  const RegistryState& state() const noexcept { return state_; }
  std::size_t clients() const noexcept { return clients_.size(); }

 private:
  wire::ActorRef self() const { return {uid_, "registry", 0}; }

  task<void> receive_loop() {
    co_await transport::receive_until_closed(*socket_, [&](transport::InboundMessage message) {
      handle(message);
      publish_changes(Clock::now());
    });
  }

  /// Leases and waits run out; connected clients' leases are renewed.
  task<void> tick_loop() {
    asio::steady_timer timer(executor_);
    for (;;) {
      milliseconds fastest = options_.heartbeat_interval;
      for (const auto& [id, client] : clients_) fastest = std::min(fastest, client.heartbeat);
      const milliseconds tick = std::clamp(fastest / 4, milliseconds(1), milliseconds(100));
      auto wake = Clock::now() + tick;
      if (auto next = state_.next_deadline(); next && *next < wake) wake = *next;
      timer.expires_at(wake);
      co_await timer.async_wait(asio::use_awaitable);
      const auto now = Clock::now();
      // An entry can expire while its client is still connected (its loop stalled
      // past the lease): forget the client, so its next message is answered with
      // UnknownPeer and it re-registers instead of believing it is listed.
      for (const auto& owner : state_.expire(now))
        if (auto it = clients_.find(owner); it != clients_.end()) {
          log::warn("registry {}: an entry of client {} expired while it was connected", uid_,
                    it->second.name);
          forget(it->second);
          forget_waits_of(owner);
          clients_.erase(it);
        }
      publish_changes(now);
      keep_clients_alive(now);
    }
  }

  /// A connected client is alive, however busy its loop: its leases are renewed here,
  /// not by its traffic (a client whose loop is busy for minutes sends none).
  static constexpr milliseconds kRenewEvery{25};  // renewing walks the client's entries
  void keep_clients_alive(Clock::time_point now) {
    for (auto& [routing_id, client] : clients_)
      if (now - client.last_renewed >= kRenewEvery) {
        state_.renew(routing_id, now);
        client.last_renewed = now;
      }
  }

  void on_client_gone(const std::string& routing_id) {
    auto it = clients_.find(routing_id);
    if (it == clients_.end()) return;
    log::info("registry {}: client {} ({}) disconnected; its entries expire with their leases",
              uid_, it->second.name, routing_id);
    forget(it->second);
    forget_waits_of(routing_id);
    clients_.erase(it);
  }

  /// Drops a client's watches and waits (its entries live on until their leases end).
  void forget(Client& client) {
    for (const auto& [msg_id, watcher] : client.watches) {
      state_.unwatch(watcher);
      watch_owner_.erase(watcher);
    }
    client.watches.clear();
  }
  void forget_waits_of(const std::string& routing_id) {
    for (auto it = wait_owner_.begin(); it != wait_owner_.end();) {
      if (it->second.client == routing_id) {
        state_.cancel_wait(it->first);
        it = wait_owner_.erase(it);
      } else {
        ++it;
      }
    }
  }

  template <class MakeBody>
  void send(const std::string& routing_id, wire::Header header, MakeBody&& make_body) {
    header.from = self();
    auto bytes = encoder_.encode(header, std::forward<MakeBody>(make_body));
    auto sent = socket_->send({.peer = transport::make_frame(routing_id),
                               .envelope = transport::make_frame(bytes),
                               .attachments = {}},
                              transport::Priority::control);
    if (!sent.ok())
      log::warn("registry {}: reply to {} dropped (outbox full or closed)", uid_, routing_id);
  }

  void send_error(const std::string& routing_id, std::uint64_t in_reply_to, wire::ErrorKind kind,
                  const std::string& text) {
    auto bytes = wire::encode_error_reply(encoder_, {.in_reply_to = in_reply_to, .from = self()},
                                          kind, text);
    (void)socket_->send({.peer = transport::make_frame(routing_id),
                         .envelope = transport::make_frame(bytes),
                         .attachments = {}},
                        transport::Priority::control);
  }

  void handle(const transport::InboundMessage& message) {
    const wire::Envelope& env = message.envelope();
    const std::string routing_id(message.peer());
    const auto now = Clock::now();

    if (env.body_type() == wire::Body::Hello) return on_hello(routing_id, env, now);

    auto it = clients_.find(routing_id);
    if (it == clients_.end()) {
      // Unknown: it never said Hello, or we restarted since. Telling it is what makes
      // a live actor re-register with a restarted registry at once.
      if (env.body_type() != wire::Body::Error)  // never answer an error with an error
        send_error(routing_id, env.msg_id(), wire::ErrorKind::UnknownPeer,
                   "registry " + uid_ + " has no session with " + routing_id +
                       ": say Hello first (the registry may have restarted)");
      return;
    }
    Client& client = it->second;

    switch (env.body_type()) {
      case wire::Body::Heartbeat:
      case wire::Body::RenewLease:
        return;
      case wire::Body::Register:
        return on_register(routing_id, env, now);
      case wire::Body::Deregister:
        return on_deregister(routing_id, env);
      case wire::Body::Lookup:
        return on_lookup(routing_id, env, now);
      case wire::Body::ListActors:
        return send_list(routing_id, env.msg_id(), state_.list());
      case wire::Body::Watch:
        return on_watch(routing_id, client, env);
      case wire::Body::Unwatch:
        if (auto w = client.watches.find(env.in_reply_to()); w != client.watches.end()) {
          state_.unwatch(w->second);
          watch_owner_.erase(w->second);
          client.watches.erase(w);
        }
        return;
      case wire::Body::Error:
        log::debug("registry {}: client {} reported an error", uid_, client.name);
        return;
      default:
        return send_error(routing_id, env.msg_id(), wire::ErrorKind::UnsupportedMessage,
                          fmt::format("the registry does not handle {} messages",
                                      wire::EnumNameBody(env.body_type())));
    }
  }

  void on_hello(const std::string& routing_id, const wire::Envelope& env, Clock::time_point now) {
    const auto* hello = env.body_as_Hello();
    if (auto refusal = wire::hello_refusal(*hello, routing_id, "registry " + uid_)) {
      auto bytes =
          wire::encode_refusal(encoder_, {.in_reply_to = env.msg_id(), .from = self()}, self(),
                               *refusal);
      (void)socket_->send({.peer = transport::make_frame(routing_id),
                           .envelope = transport::make_frame(bytes),
                           .attachments = {}},
                          transport::Priority::control);
      return;
    }
    // A second Hello on a routing id is a reconnect: its old watches and waits are void.
    if (auto old = clients_.find(routing_id); old != clients_.end()) {
      forget(old->second);
      forget_waits_of(routing_id);
    }
    const std::string name =
        hello->actor()->name() ? hello->actor()->name()->str() : std::string("?");
    // Heartbeat the client at least as often as it expects (its Hello says how often).
    const auto wanted = milliseconds(hello->heartbeat_ms());
    const milliseconds heartbeat =
        wanted.count() > 0 ? std::clamp(wanted, milliseconds(10), options_.heartbeat_interval)
                           : options_.heartbeat_interval;
    clients_[routing_id] = Client{name, heartbeat, now, {}};
    state_.renew(routing_id, now);
    const auto bytes = wire::encode_welcome(
        encoder_, {.in_reply_to = env.msg_id(), .from = self()}, self(),
        static_cast<std::uint32_t>(options_.heartbeat_interval.count()));
    (void)socket_->send({.peer = transport::make_frame(routing_id),
                         .envelope = transport::make_frame(bytes),
                         .attachments = {}},
                        transport::Priority::control);
    log::debug("registry {}: client {} ({}) connected", uid_, name, routing_id);
  }

  void on_register(const std::string& routing_id, const wire::Envelope& env,
                   Clock::time_point now) {
    const auto* request = env.body_as_Register();
    if (!request->entry())
      return send_error(routing_id, env.msg_id(), wire::ErrorKind::Malformed,
                        "Register carries no entry");
    Entry entry = decode_entry(*request->entry());
    const milliseconds lease =
        request->lease_ms() == 0
            ? options_.default_lease
            : std::clamp(milliseconds(request->lease_ms()), options_.min_lease, options_.max_lease);
    const std::string uid = entry.uid;
    const std::string name = entry.name;
    auto result =
        state_.register_entry(std::move(entry), routing_id, lease, now,
                              request->namespace_token() ? request->namespace_token()->str()
                                                         : std::string());
    if (const auto* error = std::get_if<RegisterError>(&result)) {
      log::warn("registry {}: refused '{}' ({}) from {}: {}", uid_, name,
                uid, routing_id, describe(*error));
      return send_error(routing_id, env.msg_id(), wire::ErrorKind::Malformed,
                        fmt::format("registration of '{}' refused: {}", uid, describe(*error)));
    }
    const auto seq = std::get<std::uint64_t>(result);
    send(routing_id, {.in_reply_to = env.msg_id()}, [&](flatbuffers::FlatBufferBuilder& b) {
      return wire::CreateRegisterAck(b, seq, static_cast<std::uint32_t>(lease.count()));
    });
  }

  void on_deregister(const std::string& routing_id, const wire::Envelope& env) {
    const auto* request = env.body_as_Deregister();
    const std::string uid = request->uid() ? request->uid()->str() : std::string();
    auto seq = state_.deregister(uid, routing_id);
    if (!seq)
      return send_error(routing_id, env.msg_id(), wire::ErrorKind::NotFound,
                        fmt::format("no entry '{}' registered by this client", uid));
    send(routing_id, {.in_reply_to = env.msg_id()},
         [&](flatbuffers::FlatBufferBuilder& b) { return wire::CreateDeregisterAck(b, *seq); });
  }

  void on_lookup(const std::string& routing_id, const wire::Envelope& env, Clock::time_point now) {
    const auto* request = env.body_as_Lookup();
    const std::string name = request->name() ? request->name()->str() : std::string();
    if (name.empty())
      return send_error(routing_id, env.msg_id(), wire::ErrorKind::Malformed,
                        "Lookup needs a name");
    NameScope scope =
        request->every_namespace()
            ? NameScope::everywhere()
            : NameScope::in(request->name_space() ? request->name_space()->str() : std::string(),
                            request->namespace_token() ? request->namespace_token()->str()
                                                       : std::string());
    if (request->wait_ms() == 0)
      return send_lookup(routing_id, env.msg_id(), state_.lookup(name, scope));
    const auto wait = std::min(milliseconds(request->wait_ms()), options_.max_lookup_wait);
    const WaiterId waiter = state_.wait_for(name, std::move(scope), now + wait);
    wait_owner_[waiter] = {routing_id, env.msg_id()};
  }

  void on_watch(const std::string& routing_id, Client& client, const wire::Envelope& env) {
    const auto* request = env.body_as_Watch();
    std::string prefix = request->prefix() ? request->prefix()->str() : std::string();
    const WatcherId watcher = state_.watch(prefix);
    client.watches[env.msg_id()] = watcher;
    watch_owner_[watcher] = {routing_id, env.msg_id()};
    send_list(routing_id, env.msg_id(), state_.list(prefix));  // the snapshot events follow
  }

  void send_lookup(const std::string& routing_id, std::uint64_t in_reply_to,
                   const std::vector<Entry>& entries) {
    send(routing_id, {.in_reply_to = in_reply_to}, [&](flatbuffers::FlatBufferBuilder& b) {
      auto list = encode_entries(b, entries);
      return wire::CreateLookupReply(b, list, state_.seq());
    });
  }

  void send_list(const std::string& routing_id, std::uint64_t in_reply_to,
                 const std::vector<Entry>& entries) {
    send(routing_id, {.in_reply_to = in_reply_to}, [&](flatbuffers::FlatBufferBuilder& b) {
      auto list = encode_entries(b, entries);
      return wire::CreateListReply(b, list, state_.seq());
    });
  }

  /// Sends what the state machine produced: watch events and answered waits.
  void publish_changes(Clock::time_point now) {
    for (auto& n : state_.take_notifications()) {
      auto owner = watch_owner_.find(n.watcher);
      if (owner == watch_owner_.end()) continue;
      const auto kind = n.event.kind == EventKind::join    ? wire::WatchEventKind::Join
                        : n.event.kind == EventKind::leave ? wire::WatchEventKind::Leave
                                                           : wire::WatchEventKind::Expired;
      send(owner->second.client, {.in_reply_to = owner->second.msg_id},
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto entry = encode_entry(b, n.event.entry);
             return wire::CreateWatchEvent(b, kind, entry, n.event.seq);
           });
    }
    for (auto& result : state_.take_wait_results(now)) {
      auto owner = wait_owner_.find(result.waiter);
      if (owner == wait_owner_.end()) continue;
      std::vector<Entry> entries;
      if (result.entry) entries.push_back(std::move(*result.entry));
      send_lookup(owner->second.client, owner->second.msg_id, entries);
      wait_owner_.erase(owner);
    }
  }

  asio::any_io_executor executor_;
  RegistryServiceOptions options_;
  std::string uid_;
  std::shared_ptr<transport::Socket> socket_;
  std::string endpoint_;
  wire::Encoder encoder_;
  RegistryState state_;
  std::map<std::string, Client, std::less<>> clients_;
  std::map<WatcherId, ReplyTo> watch_owner_;
  std::map<WaiterId, ReplyTo> wait_owner_;
};

RegistryService::RegistryService(const asio::any_io_executor& executor, zmq::context_t& context,
                                 RegistryServiceOptions options)
    : impl_(std::make_unique<Impl>(executor, context, std::move(options))) {}
RegistryService::~RegistryService() = default;
const std::string& RegistryService::endpoint() const noexcept {
  return impl_->endpoint();
}
task<void> RegistryService::run() {
  return impl_->run();
}
const RegistryState& RegistryService::state() const noexcept {
  return impl_->state();
}
std::size_t RegistryService::clients() const noexcept {
  return impl_->clients();
}

}  // namespace tether::registry
