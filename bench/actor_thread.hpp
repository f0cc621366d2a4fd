#pragma once
// An actor serving `functions` on its own thread and loop, as a separate actor process
// would, for benchmarks that need a peer. Stops cleanly: serve() is cancelled on its own
// loop and finishes before the thread is joined.

#include <future>
#include <string>
#include <thread>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <zmq.hpp>

#include "tether/actor/actor.hpp"

namespace tether::bench {

inline ActorOptions bench_actor_options(const std::string& name, const std::string& endpoint) {
  ActorOptions o;
  o.name = name;
  o.bind_endpoint = endpoint;
  o.socket.linger_ms = 0;
  return o;
}

class ActorThread {
 public:
  /// `functions` must outlive this object.
  ActorThread(zmq::context_t& ctx, const Functions& functions, const std::string& name,
              const std::string& endpoint) {
    std::promise<std::string> bound;
    thread_ = std::thread([&] {
      Actor actor(io_.get_executor(), ctx, functions, bench_actor_options(name, endpoint));
      bound.set_value(actor.endpoint());
      boost::asio::co_spawn(io_, actor.serve(),
                            boost::asio::bind_cancellation_slot(
                                stop_.slot(), [this](std::exception_ptr) { io_.stop(); }));
      io_.run();
    });
    endpoint_ = bound.get_future().get();
  }
  ~ActorThread() {
    boost::asio::post(io_, [this] { stop_.emit(boost::asio::cancellation_type::terminal); });
    thread_.join();
  }
  ActorThread(const ActorThread&) = delete;
  ActorThread& operator=(const ActorThread&) = delete;

  const std::string& endpoint() const { return endpoint_; }

 private:
  boost::asio::io_context io_{1};
  boost::asio::cancellation_signal stop_;
  std::thread thread_;
  std::string endpoint_;
};

}  // namespace tether::bench
