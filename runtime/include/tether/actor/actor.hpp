#pragma once
// Actor: one identity, one ROUTER inbox, connections to peers, and the closed table of
// functions others may call. Runs on a single-threaded loop with many tasks.
//
// Lifetime: the Actor, its Functions table and the zmq context outlive serve(); every
// Portal obtained from connect() must not outlive the Actor.
// Cancellation: cancelling serve() cancels every call being served (each caller gets
// an Error or CancelAck) and every pending outgoing call (PeerLost is not raised for
// them: they see the cancellation), then joins them all before returning.
// Liveness does not depend on the loop thread (DESIGN.md "Semantics" 11): a peer is alive
// while its connection is. libzmq's I/O thread answers ZMTP heartbeats for every actor,
// so an actor whose loop is busy for minutes stays connected; a connection whose peer
// exited closes at once, and one whose peer is frozen or cut off closes after
// heartbeat_interval x heartbeat_liveness (the link timeout). Then the peer is lost:
// pending calls to it fail with PeerLost and calls it made to us are cancelled.
// A loop held by one function for longer than loop_stall_warning is logged, naming the
// calls being served: run CPU-bound work with tether::offload instead.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "tether/actor/functions.hpp"
#include "tether/actor/identity.hpp"
#include "tether/actor/portal.hpp"
#include "tether/base/task.hpp"
#include "tether/discovery/registry_client.hpp"
#include "tether/transport/socket_options.hpp"

namespace zmq {
class context_t;
}

namespace tether {

class Nursery;
class TaskHandle;

struct ActorOptions {
  std::string name = "actor";
  /// Fixed uid instead of a random one (a parent assigns its children theirs).
  std::string uid;
  /// Where the inbox binds. Empty: an ipc:// socket in a private (0700) runtime
  /// directory ($XDG_RUNTIME_DIR/tether or /tmp/tether-<uid>), for a local cluster.
  std::string bind_endpoint;
  /// The link timeout is heartbeat_interval x heartbeat_liveness (see Liveness above).
  std::chrono::milliseconds heartbeat_interval{1000};
  unsigned heartbeat_liveness = 3;
  /// A loop blocked for longer than this is logged as a warning (0: never).
  std::chrono::milliseconds loop_stall_warning{500};
  /// How long a cancelled call waits for the callee's CancelAck before giving up.
  std::chrono::milliseconds cancel_ack_timeout{2000};
  /// Bound on connect(): Hello sent, Welcome received.
  std::chrono::milliseconds connect_timeout{5000};
  /// How long this actor's own stop may take once it is asked to stop without a
  /// deadline (SIGINT/SIGTERM to a root, `tether cancel`, a lost parent). Past it,
  /// Program kills what is left of the subtree and exits, whatever the loop is doing.
  /// A child gets its parent's term_grace instead.
  std::chrono::milliseconds stop_grace{5000};
  transport::SocketOptions socket;
  /// Connections the inbox holds before it stops accepting more (those it holds carry
  /// on; it accepts again below three quarters of it). 0: from the descriptor limit,
  /// leaving the rest for this actor's own use (transport::SocketConfig::max_connections).
  std::size_t max_connections = 0;

  // -- discovery (DESIGN.md "Registry") ------------------------------------------------
  /// The registry endpoint to register with and find actors in; empty: none. Program
  /// fills it in (resolve_registry_endpoint) for roots and passes it to children.
  std::string registry;
  /// The lease each registration asks for: how long the entry outlives silence from us.
  std::chrono::milliseconds registry_lease{3000};
  /// Shown in the registry; `tether ps` draws the tree from it.
  std::string parent_uid;
  std::vector<std::string> tags;
  /// Where this actor registers its name and where find_actor looks (NameScope).
  /// Empty: its tree's own namespace, named after the root's uid and closed to every
  /// process outside the tree — two runs of one program never see each other's actors.
  /// A given name (Program: --namespace, or TETHER_NAMESPACE) is an open namespace,
  /// shared by every program that names it. Children inherit their parent's.
  std::string name_space;
  /// The proof of membership of a closed namespace. Leave it empty: a root makes a
  /// random one, and a parent hands its own to each child through a pipe (never argv
  /// or the environment, which other processes can read).
  std::string namespace_token;
};

class Actor {
 public:
  Actor(const boost::asio::any_io_executor& executor, zmq::context_t& context,
        const Functions& functions, ActorOptions options = {});
  ~Actor();
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  const ActorIdentity& identity() const noexcept;
  /// The inbox endpoint, resolved (a tcp port chosen by the OS is filled in).
  const std::string& endpoint() const noexcept;

  /// Serves calls and keeps connections alive until cancelled, or until this actor is
  /// asked to stop (see stop_requested()). connect() and every Portal work only while
  /// serve() runs. An Actor that is not serving (only constructed, or after serve()
  /// returned) holds no work on the loop: an embedding service's io_context::run()
  /// returns once the service's own work is done.
  task<void> serve();

  /// Completes when this actor is asked to stop: its parent's Cancel, `tether cancel`,
  /// or the loss of its parent. Calling it says "this process decides what stopping
  /// means": the caller then ends serve() (cancel it) when ready, and serve() confirms
  /// the stop to whoever asked before it returns. If nobody calls it, a stop request
  /// ends serve() by itself: the calls it serves are cancelled (within the stop's grace,
  /// else stop_grace), the stop is confirmed, and serve() returns normally. Program
  /// handles stops for the actors it runs.
  task<void> stop_requested();

  /// Runs `main` while serving; stops serving when it finishes and returns its result.
  /// A stop request that nothing else handles (see stop_requested()) cancels `main`;
  /// serving ends once it has finished, and run() then returns (void) or throws
  /// operation_aborted (it has no result).
  template <class T>
  task<T> run(task<T> main);

  /// Connects to the actor at `endpoint`: Hello/Welcome handshake, bounded by
  /// connect_timeout. Throws ProtocolMismatch if the peer refuses our version,
  /// PeerLost if it does not answer.
  task<Portal> connect(const std::string& endpoint);

  /// Number of calls this actor is serving right now (for tests and `tether ps`).
  std::size_t serving_calls() const noexcept;
  /// Waiters and listeners registered right now: outgoing calls awaiting their replies,
  /// handshakes, child boots, stop acknowledgements, peer-loss listeners (a child actor
  /// keeps one on its parent). Each is undone by the operation that made it, however
  /// that operation ends — cancelled at any co_await included; for tests and `tether ps`.
  std::size_t pending_registrations() const noexcept;

  // -- discovery: only with ActorOptions::registry set ---------------------------------
  // serve() registers this actor (name, uid, endpoint, host, pid, parent, tags) and keeps
  // it registered across registry restarts; stopping serve() deregisters it.

  /// The registry client, or null when no registry is configured.
  RegistryClient* registry() noexcept;
  /// Connects to the most recently registered actor named `name` in this actor's
  /// namespace (ActorOptions::name_space). Throws ActorNotFound if none is registered
  /// there, RegistryUnavailable if the registry does not answer.
  task<Portal> find_actor(std::string name);
  /// As find_actor, in `scope`: another open namespace (NameScope::in), or every one
  /// (NameScope::everywhere(), which throws ActorNotFound when the name is ambiguous —
  /// registered more than once — rather than guess).
  task<Portal> find_actor(std::string name, NameScope scope);
  /// Like find_actor, but waits up to `timeout` for the name to register first.
  task<Portal> wait_for_actor(std::string name, std::chrono::milliseconds timeout);
  task<Portal> wait_for_actor(std::string name, std::chrono::milliseconds timeout,
                              NameScope scope);
  /// The scope find_actor searches by default: this actor's namespace and its token.
  NameScope own_namespace() const;

 private:
  template <class T, class R>
  static task<void> run_main(task<T> main, std::optional<R>& result, Nursery& scope);
  /// run()'s main, for a stop request nobody handles (null outside run()).
  void set_run_main(TaskHandle* main) noexcept;

  friend class ActorNursery;  // spawning and linking children needs the core
  friend class Program;
  std::unique_ptr<detail::ActorCore> core_;
};

}  // namespace tether

#include "tether/actor/impl/actor_run.hpp"
