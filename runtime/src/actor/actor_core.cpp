// Actor core: the inbox, connections and handshakes, and routing inbound messages.
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "actor_core.hpp"
#include "reexec_guard.hpp"
#include "tether/base/host.hpp"
#include "tether/base/log.hpp"
#include "tether/base/random_id.hpp"
#include "tether/transport/endpoints.hpp"
#include "tether/wire/error_reply.hpp"
#include "tether/wire/handshake.hpp"

namespace tether::detail {

namespace asio = boost::asio;

namespace {

transport::SocketConfig socket_config(transport::SocketKind kind, const ActorOptions& options,
                                      const ActorIdentity& identity) {
  transport::SocketConfig c;
  c.kind = kind;
  // Liveness is the connection's (Actor's header): libzmq's ZMTP heartbeats close it
  // within the link timeout when the peer dies, freezes or is cut off.
  c.options = transport::with_link_timeout(options.socket,
                                           options.heartbeat_interval * options.heartbeat_liveness);
  c.watch_connections = true;
  c.max_connections = options.max_connections;
  c.routing_id = kind == transport::SocketKind::dealer ? identity.uid : "";
  c.identity_uid = identity.uid;
  c.identity_name = identity.name;
  return c;
}

}  // namespace

ActorCore::ActorCore(const asio::any_io_executor& executor, zmq::context_t& context,
                     const Functions& functions, ActorOptions options, Actor& owner)
    : executor_(executor),
      context_(context),
      functions_(functions),
      options_(std::move(options)),
      owner_(owner),
      identity_(make_identity(options_.name)) {
  refuse_unclaimed_child();  // a re-executed main() that skipped Program: not a fork bomb
  if (!options_.uid.empty()) identity_.uid = options_.uid;
  if (options_.name_space.empty()) {
    // A tree's own namespace: the root names it after itself and makes its proof.
    options_.name_space = identity_.uid;
    if (options_.namespace_token.empty()) options_.namespace_token = random_uid() + random_uid();
  }
  inbox_ = std::make_shared<transport::Socket>(
      executor_, context_, socket_config(transport::SocketKind::router, options_, identity_));
  const std::string bind =
      options_.bind_endpoint.empty()
          ? transport::actor_ipc_endpoint(identity_.name, identity_.uid)
          : options_.bind_endpoint;
  endpoint_ = inbox_->bind(bind);
  // A peer that reached us through the inbox is gone when its route is.
  inbox_->on_unroutable([this](std::string_view peer) { on_route_gone(peer); });
  // Pumped only while serve() runs: an Actor that is not serving holds no work on the
  // loop, so the embedding service's io_context::run() can return.
  if (!options_.registry.empty()) {
    RegistryClientOptions registry;
    registry.endpoint = options_.registry;
    registry.uid = identity_.uid;
    registry.name = identity_.name;
    registry.heartbeat_interval = options_.heartbeat_interval;
    registry.heartbeat_liveness = options_.heartbeat_liveness;
    registry.lease = options_.registry_lease;
    registry.request_timeout = options_.connect_timeout;
    registry.socket = options_.socket;
    registry.namespace_token = options_.namespace_token;
    registry_ = std::make_unique<RegistryClient>(executor_, context_, std::move(registry));
  }
}

ActorCore::~ActorCore() {
  for (auto& [uid, peer] : peers_)
    if (peer->dealer) peer->dealer->close();
  inbox_->close();
}

Nursery& ActorCore::service() {
  if (!service_)
    throw std::logic_error("actor " + identity_.display() + " is not serving: run serve() first");
  return *service_;
}

Peer* ActorCore::find_peer(std::string_view uid) {
  auto it = peers_.find(uid);
  return it == peers_.end() ? nullptr : it->second.get();
}

task<void> ActorCore::serve() {
  if (service_) throw std::logic_error("serve() is already running for " + identity_.display());
  std::exception_ptr ended;
  inbox_->start();
  try {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      service_ = &n;
      n.start_soon(receive_loop(inbox_));
      n.start_soon(watch_loop());
      n.start_soon(end_serve_on_stop_request(n));
      if (registry_) {
        n.start_soon(registry_->run());
        n.start_soon(register_self());
      }
      co_return;
    });
  } catch (...) {
    ended = std::current_exception();
  }
  service_ = nullptr;
  if (!stop_requester_.empty() && !stop_acknowledged_) {
    // Asked to stop, and the owner ended serve() without answering: answer now, while
    // the requester is still connected.
    co_await allow_cleanup();
    co_await shielded(acknowledge_stop(options_.cancel_ack_timeout));
    co_await shielded(await_stop_acks_delivered());
  }
  loss_listeners_.clear();  // stopping ourselves is not losing a peer
  // Nobody will receive replies any more: fail what still waits, close connections.
  std::vector<std::string> uids;
  for (auto& [uid, peer] : peers_) uids.push_back(uid);
  for (const auto& uid : uids) lose_peer(uid, "this actor stopped serving");
  for (auto& [socket, handshake] : handshakes_)
    handshake->set_error(std::make_exception_ptr(PeerLost({}, "this actor stopped serving")));
  inbox_->pause();
  if (ended) std::rethrow_exception(ended);
}

task<void> ActorCore::receive_loop(std::shared_ptr<transport::Socket> socket) {
  co_await transport::receive_until_closed(
      *socket, [&](transport::InboundMessage message) { handle(std::move(message), socket); });
}

void ActorCore::send_cancel(Peer& peer, wire::Header header, std::string_view reason,
                            std::chrono::milliseconds grace, std::string_view operator_token) {
  log::debug("actor {}: sending Cancel to {} (call {}, grace {} ms): {}", identity_.display(),
             peer.identity.display(), header.call_id, grace.count(), reason);
  send(
      peer, header,
      [&](flatbuffers::FlatBufferBuilder& b) {
        auto text = b.CreateString(reason.data(), reason.size());
        auto token = b.CreateString(operator_token.data(), operator_token.size());
        return wire::CreateCancel(b, text, static_cast<std::uint32_t>(grace.count()), token);
      },
      transport::Priority::control);
}

void ActorCore::send_cancel_ack(Peer& peer, std::uint64_t in_reply_to, std::uint64_t call_id) {
  send(
      peer, {.in_reply_to = in_reply_to, .call_id = call_id},
      [](flatbuffers::FlatBufferBuilder& b) { return wire::CreateCancelAck(b); },
      transport::Priority::control);
}

void ActorCore::send_error_reply(Peer& peer, wire::Header header, wire::ErrorKind kind,
                                 std::string_view text) {
  header.msg_id = next_message_id();
  header.from = identity_.ref();
  send_frame(peer, transport::make_frame(wire::encode_error_reply(encoder_, header, kind, text)),
             transport::Priority::control);
}

void ActorCore::send_hello(transport::Socket& dealer) {
  const wire::HelloFields fields{
      .self = identity_.ref(),
      .endpoint = endpoint_,
      .heartbeat_ms = static_cast<std::uint32_t>(options_.heartbeat_interval.count()),
      .pid = static_cast<std::uint32_t>(::getpid()),
      .host = host_name()};
  auto hello = wire::encode_hello(
      encoder_, {.msg_id = next_message_id(), .from = identity_.ref()}, fields);
  (void)dealer.send({.peer = {}, .envelope = transport::make_frame(hello), .attachments = {}},
                    transport::Priority::control);
}

task<Portal> ActorCore::connect(const std::string& endpoint) {
  Nursery& service_nursery = service();
  // One connection per peer and endpoint: the peer's ROUTER refuses a second one with
  // our routing id (no handover), so a repeated connect shares the first.
  if (auto in_flight = dialing_.find(endpoint); in_flight != dialing_.end()) {
    const std::shared_ptr<Event> dialled = in_flight->second;  // may outlive that dial
    (void)co_await dialled->wait_for(options_.connect_timeout);
  }
  if (Peer* peer = find_dialed(endpoint)) co_return Portal(*this, peer->identity);
  auto dial_ended = std::make_shared<Event>(executor_);
  dialing_[endpoint] = dial_ended;
  Subscription dialing([this, endpoint, dial_ended] {
    dial_ended->set();
    if (auto it = dialing_.find(endpoint); it != dialing_.end() && it->second == dial_ended)
      dialing_.erase(it);
  });
  auto dealer = std::make_shared<transport::Socket>(
      executor_, context_, socket_config(transport::SocketKind::dealer, options_, identity_));
  dealer->connect(endpoint);
  dealer->on_disconnected([this, socket = dealer.get()] { on_connection_closed(socket); });
  dealer->start();
  service_nursery.start_soon(receive_loop(dealer));

  CallReply handshake(executor_);
  {
    Subscription filed = subscribe_in(handshakes_, dealer.get(), &handshake);
    send_hello(*dealer);
    try {
      co_await move_on_after(options_.connect_timeout, handshake.wait());
    } catch (...) {
      dealer->close();  // cancelled: the connection goes with the attempt
      throw;
    }
  }
  if (!handshake.has_value()) {
    dealer->close();
    if (handshake.error()) std::rethrow_exception(handshake.error());
    throw PeerLost({"", endpoint, 0}, "no answer to Hello within " +
                                          std::to_string(options_.connect_timeout.count()) + " ms");
  }
  const auto* welcome = handshake.value().envelope().body_as_Welcome();
  if (!welcome->accepted()) {
    dealer->close();
    throw ProtocolMismatch(
        "actor at " + endpoint + " refused the connection: " +
        (welcome->reason() ? welcome->reason()->str() : std::string("no reason given")));
  }
  const ActorIdentity peer = identity_from_wire(welcome->actor());
  if (Peer* connected = find_peer(peer.uid)) connected->dialed = endpoint;
  log::debug("actor {}: connected to {} at {}", identity_.display(), peer.display(), endpoint);
  co_return Portal(*this, peer);  // handle() made the Peer
}

bool ActorCore::send_frame(Peer& peer, zmq::message_t envelope, transport::Priority priority) {
  transport::OutboundMessage out{.peer = {}, .envelope = std::move(envelope), .attachments = {}};
  if (peer.socket == inbox_.get()) out.peer = transport::make_frame(peer.routing_id);
  return peer.socket->send(std::move(out), priority).ok();
}

namespace {

/// Answers a Hello we refuse, straight to the routing id (there is no Peer for it).
void refuse_hello(transport::Socket& inbox, wire::Encoder& encoder, const ActorIdentity& self,
                  std::string_view routing_id, std::uint64_t in_reply_to,
                  const std::string& reason) {
  auto bytes = wire::encode_refusal(encoder, {.in_reply_to = in_reply_to, .from = self.ref()},
                                    self.ref(), reason);
  (void)inbox.send({.peer = transport::make_frame(routing_id),
                    .envelope = transport::make_frame(bytes),
                    .attachments = {}},
                   transport::Priority::control);
}

}  // namespace

void ActorCore::handle(transport::InboundMessage message,
                       const std::shared_ptr<transport::Socket>& via) {
  switch (message.envelope().body_type()) {
    case wire::Body::Welcome:
      return on_welcome(std::move(message), via);
    case wire::Body::Hello:
      if (via == inbox_) on_hello(std::move(message));  // only connecting peers say Hello
      return;
    default:
      break;
  }
  // Everything else comes from a peer that said Hello (inbox) or that we connected to.
  if (Peer* peer = sender_of(message, via)) return route(*peer, std::move(message));
  if (via == inbox_)
    log::debug("actor {}: message from unknown peer '{}' dropped (no Hello)", identity_.display(),
               message.peer());
}

void ActorCore::route(Peer& peer, transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  switch (env.body_type()) {
    case wire::Body::Heartbeat:
      return;
    case wire::Body::Start:
      return on_start(peer, std::move(message));
    case wire::Body::Cancel:
      if (env.call_id() == 0) return on_actor_cancel(peer, env);
      return on_cancel(peer, env);
    case wire::Body::Spawn:
      return on_spawn(peer, std::move(message));
    case wire::Body::SpawnAck:
      return on_spawn_ack(peer, std::move(message));
    case wire::Body::CancelAck:
    case wire::Body::Error:
      // Call id 0: a child confirming it stopped, or the answer to a stop we requested.
      if (env.call_id() == 0) return on_stop_answer(peer, std::move(message));
      return on_call_reply(peer, std::move(message));
    case wire::Body::StartAck:
    case wire::Body::Return:
      return on_call_reply(peer, std::move(message));
    case wire::Body::Started:
    case wire::Body::Yield:
    case wire::Body::Credit:
    case wire::Body::Stop:
      return on_stream_message(peer, std::move(message));
    default:
      send_error_reply(peer, {.in_reply_to = env.msg_id(), .call_id = env.call_id()},
                       wire::ErrorKind::UnsupportedMessage,
                       fmt::format("actor {} does not handle message type {}", identity_.display(),
                                   wire::EnumNameBody(env.body_type())));
  }
}

Peer* ActorCore::sender_of(const transport::InboundMessage& message,
                           const std::shared_ptr<transport::Socket>& via) {
  if (via == inbox_) return find_peer(message.peer());
  auto owner = dealer_owner_.find(via.get());
  return owner == dealer_owner_.end() ? nullptr : find_peer(owner->second);
}

Peer& ActorCore::peer_slot(const ActorIdentity& identity) {
  auto& slot = peers_[identity.uid];
  if (!slot) slot = std::make_unique<Peer>();
  slot->identity = identity;
  return *slot;
}

void ActorCore::on_welcome(transport::InboundMessage message,
                           const std::shared_ptr<transport::Socket>& via) {
  auto it = handshakes_.find(via.get());
  if (it == handshakes_.end() || it->second->done()) return;
  const auto* welcome = message.envelope().body_as_Welcome();
  if (welcome->accepted()) {
    // The peer exists from here on: its next message (a parent's Spawn) may be
    // handled before connect() resumes.
    Peer& peer = peer_slot(identity_from_wire(welcome->actor()));
    peer.socket = via.get();
    peer.dealer = via;
    dealer_owner_[via.get()] = peer.identity.uid;
  }
  it->second->set_value(std::move(message));
}

void ActorCore::on_hello(transport::InboundMessage message) {
  const wire::Envelope& env = message.envelope();
  const auto* hello = env.body_as_Hello();
  const std::string routing_id(message.peer());
  if (auto refusal = wire::hello_refusal(*hello, routing_id, identity_.display())) {
    refuse_hello(*inbox_, encoder_, identity_, routing_id, env.msg_id(), *refusal);
    return;
  }
  Peer& peer = peer_slot(identity_from_wire(hello->actor()));
  if (!peer.dealer) peer.socket = inbox_.get();  // our own connection to it, if any, wins
  peer.routing_id = routing_id;
  log::debug("actor {}: {} connected to us", identity_.display(), peer.identity.display());
  const auto welcome = wire::encode_welcome(
      encoder_, {.in_reply_to = env.msg_id(), .from = identity_.ref()}, identity_.ref(),
      static_cast<std::uint32_t>(options_.heartbeat_interval.count()));
  send_frame(peer, transport::make_frame(welcome), transport::Priority::control);
  if (expected_children_.count(peer.identity.uid)) send_spawn(peer);  // our child, booting
}

Peer* ActorCore::find_dialed(std::string_view endpoint) {
  for (auto& [uid, peer] : peers_)
    if (peer->dealer && peer->dialed == endpoint) return peer.get();
  return nullptr;
}

std::size_t ActorCore::registrations() const noexcept {
  std::size_t count = handshakes_.size() + dialing_.size() + loss_listeners_.size() +
                      expected_children_.size() + expected_stop_acks_.size() +
                      (spawn_waiter_ ? 1 : 0) + (serving_drained_ ? 1 : 0);
  for (const auto& [uid, peer] : peers_) count += peer->pending.size();
  return count;
}

}  // namespace tether::detail
