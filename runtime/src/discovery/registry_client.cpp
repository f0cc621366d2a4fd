// RegistryClient's requests and watches.
#include "tether/discovery/registry_client.hpp"

#include <zmq.hpp>

#include "registry_client_core.hpp"
#include "tether/registry/entry_codec.hpp"

namespace tether {

namespace detail {

void throw_refusal(const wire::Envelope& envelope) {
  const auto* error = envelope.body_as_Error();
  throw RegistryRefused(error && error->message() ? error->message()->str()
                                                  : std::string("the registry refused"));
}

void WatchState::push(RegistryEvent event) {
  if (failure) return;
  if (event.kind == RegistryEventKind::join)
    present.insert(event.entry.uid);
  else
    present.erase(event.entry.uid);
  if (events.size() >= kBacklog)
    return fail("watch of '" + prefix + "' fell behind: more than " + std::to_string(kBacklog) +
                " unread events");
  events.push_back(std::move(event));
  ready.set();
}

void WatchState::fail(std::string why) {
  if (!failure) failure = std::move(why);
  ready.set();
  established.set();
}

void WatchState::on_snapshot(std::vector<ActorRecord> entries, std::uint64_t seq) {
  if (!established.is_set()) {
    for (const auto& e : entries) present.insert(e.uid);
    snapshot = std::move(entries);
    established.set();
    return;
  }
  for (auto& e : entries)
    if (!present.count(e.uid)) push({RegistryEventKind::join, std::move(e), seq});
}

RegistryClientCore::RegistryClientCore(const boost::asio::any_io_executor& executor,
                                       zmq::context_t& context, RegistryClientOptions options)
    : executor_(executor), context_(context), options_(std::move(options)), connected_(executor) {
  if (options_.endpoint.empty())
    throw std::invalid_argument("RegistryClient needs the registry's endpoint");
  if (options_.uid.empty()) throw std::invalid_argument("RegistryClient needs a uid");
}

RegistryClientCore::~RegistryClientCore() {
  if (socket_) socket_->close();
}

void RegistryClientCore::subscribe(WatchState& watch) {
  watch.subscription = send([&](flatbuffers::FlatBufferBuilder& b) {
    return wire::CreateWatch(b, b.CreateString(watch.prefix));
  });
}

void RegistryClientCore::unsubscribe(const std::shared_ptr<WatchState>& watch) {
  std::erase(watches_, watch);
  if (connected_.is_set() && watch->subscription != 0)
    (void)send([](flatbuffers::FlatBufferBuilder& b) { return wire::CreateUnwatch(b); },
               watch->subscription);
}

flatbuffers::Offset<wire::Register> RegistryClientCore::encode_register(
    flatbuffers::FlatBufferBuilder& b, const ActorRecord& record) const {
  auto entry = registry::encode_entry(b, record);
  auto token = b.CreateString(options_.namespace_token);
  return wire::CreateRegister(b, entry, static_cast<std::uint32_t>(options_.lease.count()), token);
}

flatbuffers::Offset<wire::Lookup> RegistryClientCore::encode_lookup(
    flatbuffers::FlatBufferBuilder& b, const std::string& name, const registry::NameScope& scope,
    std::uint32_t wait_ms) {
  auto text = b.CreateString(name);
  auto name_space = b.CreateString(scope.name_space());
  auto token = b.CreateString(scope.token());
  return wire::CreateLookup(b, text, wait_ms, name_space, token, scope.every_namespace());
}

}  // namespace detail

// -- RegistryWatch ----------------------------------------------------------------------

RegistryWatch::RegistryWatch(std::shared_ptr<detail::RegistryClientCore> core,
                             std::shared_ptr<detail::WatchState> state)
    : core_(std::move(core)), state_(std::move(state)) {}
RegistryWatch::RegistryWatch(RegistryWatch&&) noexcept = default;
RegistryWatch& RegistryWatch::operator=(RegistryWatch&& other) noexcept {
  if (this != &other) {
    if (core_ && state_) core_->unsubscribe(state_);
    core_ = std::move(other.core_);
    state_ = std::move(other.state_);
  }
  return *this;
}
RegistryWatch::~RegistryWatch() {
  if (core_ && state_) core_->unsubscribe(state_);
}

const std::vector<ActorRecord>& RegistryWatch::snapshot() const {
  return state_->snapshot;
}

task<RegistryEvent> RegistryWatch::next() {
  while (state_->events.empty()) {
    if (state_->failure) throw RegistryUnavailable(*state_->failure);
    state_->ready.reset();
    co_await state_->ready.wait();
  }
  RegistryEvent event = std::move(state_->events.front());
  state_->events.pop_front();
  co_return event;
}

// -- RegistryClient ---------------------------------------------------------------------

RegistryClient::RegistryClient(const boost::asio::any_io_executor& executor,
                               zmq::context_t& context, RegistryClientOptions options)
    : core_(std::make_shared<detail::RegistryClientCore>(executor, context, std::move(options))) {}
RegistryClient::~RegistryClient() = default;

task<void> RegistryClient::run() {
  return core_->run();
}

task<void> RegistryClient::register_actor(ActorRecord record) {
  core_->registered_[record.uid] = record;
  auto body = [&](flatbuffers::FlatBufferBuilder& b) { return core_->encode_register(b, record); };
  try {
    (void)co_await core_->request(body, core_->options_.request_timeout);
  } catch (const RegistryRefused&) {
    core_->registered_.erase(record.uid);  // it will never be accepted: do not retry it
    throw;
  }
}

task<void> RegistryClient::deregister(std::string uid) {
  core_->registered_.erase(uid);
  auto body = [&](flatbuffers::FlatBufferBuilder& b) {
    return wire::CreateDeregister(b, b.CreateString(uid));
  };
  (void)co_await core_->request(body, core_->options_.request_timeout);
}

task<std::vector<ActorRecord>> RegistryClient::lookup(std::string name, NameScope scope) {
  auto body = [&](flatbuffers::FlatBufferBuilder& b) {
    return detail::RegistryClientCore::encode_lookup(b, name, scope, 0);
  };
  auto reply = co_await core_->request(body, core_->options_.request_timeout);
  co_return registry::decode_entries(reply.envelope().body_as_LookupReply()->entries());
}

task<std::optional<ActorRecord>> RegistryClient::wait_for(std::string name,
                                                          std::chrono::milliseconds timeout,
                                                          NameScope scope) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + timeout;
  // Rebuilt on every retry, so a retry after a reconnect waits only what is left.
  auto body = [&](flatbuffers::FlatBufferBuilder& b) {
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    return detail::RegistryClientCore::encode_lookup(
        b, name, scope, static_cast<std::uint32_t>(std::max<long long>(left, 1)));
  };
  auto reply = co_await core_->request(body, timeout + core_->options_.request_timeout);
  auto entries = registry::decode_entries(reply.envelope().body_as_LookupReply()->entries());
  if (entries.empty()) co_return std::nullopt;
  co_return std::move(entries.front());
}

task<std::vector<ActorRecord>> RegistryClient::list() {
  auto body = [](flatbuffers::FlatBufferBuilder& b) { return wire::CreateListActors(b); };
  auto reply = co_await core_->request(body, core_->options_.request_timeout);
  co_return registry::decode_entries(reply.envelope().body_as_ListReply()->entries());
}

task<RegistryWatch> RegistryClient::watch(std::string prefix) {
  auto state = std::make_shared<detail::WatchState>(core_->executor_, std::move(prefix));
  RegistryWatch watch(core_, state);  // unsubscribes if we fail below
  if (!co_await core_->connected_.wait_for(core_->options_.request_timeout))
    throw RegistryUnavailable("no registry at " + core_->options_.endpoint);
  core_->watches_.push_back(state);
  core_->subscribe(*state);
  if (!co_await state->established.wait_for(core_->options_.request_timeout) || state->failure)
    throw RegistryUnavailable("the registry at " + core_->options_.endpoint +
                              " did not confirm the watch" +
                              (state->failure ? ": " + *state->failure : std::string()));
  co_return watch;
}

bool RegistryClient::connected() const noexcept {
  return core_->connected_.is_set();
}

task<bool> RegistryClient::wait_connected(std::chrono::milliseconds timeout) {
  co_return co_await core_->connected_.wait_for(timeout);
}

std::uint64_t RegistryClient::sessions() const noexcept {
  return core_->sessions_;
}

const std::string& RegistryClient::endpoint() const noexcept {
  return core_->options_.endpoint;
}

}  // namespace tether
