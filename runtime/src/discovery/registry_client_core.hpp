#pragma once
// The machinery behind RegistryClient: the session keeper (registry_session.cpp) and
// the request/reply matching (registry_client.cpp). Private to the runtime.

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "tether/concurrency/cancel_scope.hpp"
#include "tether/base/subscription.hpp"
#include "tether/concurrency/event.hpp"
#include "tether/concurrency/reply.hpp"
#include "tether/discovery/registry_client.hpp"
#include "tether/transport/socket.hpp"
#include "tether/wire/encoder.hpp"

namespace tether::detail {

using Clock = std::chrono::steady_clock;

/// One request waiting for the registry's answer; abandoned when the connection went
/// away first (then it is asked again on the next one).
using RegistryReply = Reply<transport::InboundMessage>;

struct WatchState {
  WatchState(const boost::asio::any_io_executor& ex, std::string prefix)
      : prefix(std::move(prefix)), ready(ex), established(ex) {}
  std::string prefix;
  std::vector<ActorRecord> snapshot;
  std::deque<RegistryEvent> events;
  std::set<std::string> present;  // uids that joined and did not leave, as last reported
  Event ready;                    // set while events wait, or once failed
  Event established;              // the first snapshot arrived
  std::optional<std::string> failure;
  std::uint64_t subscription = 0;  // msg_id of the Watch of the current session
  static constexpr std::size_t kBacklog = 100'000;

  void push(RegistryEvent event);
  void fail(std::string why);
  /// The registry's answer to a (re-)subscription: the first one is the snapshot; after
  /// a reconnect, actors that appeared meanwhile are reported as joins.
  void on_snapshot(std::vector<ActorRecord> entries, std::uint64_t seq);
};

class RegistryClientCore : public std::enable_shared_from_this<RegistryClientCore> {
 public:
  RegistryClientCore(const boost::asio::any_io_executor& executor, zmq::context_t& context,
                     RegistryClientOptions options);
  ~RegistryClientCore();

  // -- registry_session.cpp ----------------------------------------------------------
  task<void> run();
  /// One connection, from Hello until it is lost (returns) or run() is cancelled.
  task<void> session();
  task<void> receive_loop(std::shared_ptr<transport::Socket> socket, CancelScope& scope);
  task<void> keep_alive();
  task<void> restore_session();
  void handle(transport::InboundMessage message, CancelScope& scope);
  void end_session();
  task<void> deregister_all();

  // -- registry_client.cpp -----------------------------------------------------------
  /// Sends a request built by `make_body` and waits for its answer, across reconnects,
  /// for at most `timeout`. Throws RegistryUnavailable or RegistryRefused.
  template <class MakeBody>
  task<transport::InboundMessage> request(MakeBody make_body, std::chrono::milliseconds timeout);
  template <class MakeBody>
  std::uint64_t send(MakeBody&& make_body, std::uint64_t in_reply_to = 0);
  /// Sends Watch for `watch` on the current session (no-op while disconnected).
  void subscribe(WatchState& watch);
  void unsubscribe(const std::shared_ptr<WatchState>& watch);
  /// The Register request for `record`, first time or after a reconnect alike.
  flatbuffers::Offset<wire::Register> encode_register(flatbuffers::FlatBufferBuilder& b,
                                                      const ActorRecord& record) const;
  /// A Lookup of `name` in `scope`, waiting up to `wait_ms` (0: answer at once).
  static flatbuffers::Offset<wire::Lookup> encode_lookup(flatbuffers::FlatBufferBuilder& b,
                                                         const std::string& name,
                                                         const registry::NameScope& scope,
                                                         std::uint32_t wait_ms);

  boost::asio::any_io_executor executor_;
  zmq::context_t& context_;
  RegistryClientOptions options_;
  wire::Encoder encoder_;
  std::shared_ptr<transport::Socket> socket_;  // the current session's, or null
  Event connected_;
  bool running_ = false;
  std::uint64_t sessions_ = 0;
  std::uint64_t next_msg_id_ = 0;
  Clock::time_point last_sent_;
  std::string lost_reason_;
  std::uint64_t hello_msg_id_ = 0;
  RegistryReply* welcome_ = nullptr;
  std::map<std::uint64_t, RegistryReply*> pending_;                 // by msg_id
  std::map<std::string, ActorRecord> registered_;                   // by uid: kept alive
  std::vector<std::shared_ptr<WatchState>> watches_;                // re-subscribed per session
};

/// Raises what an Error reply says, as RegistryRefused.
[[noreturn]] void throw_refusal(const wire::Envelope& envelope);

}  // namespace tether::detail

#include "registry_client_request.hpp"
