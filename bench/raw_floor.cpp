#include "raw_floor.hpp"

#include <chrono>
#include <future>
#include <thread>

namespace tether::bench {

namespace {

using Clock = std::chrono::steady_clock;

/// Echoes every message back to its sender until an empty message arrives.
std::thread echo_server(zmq::context_t& ctx, const std::string& endpoint,
                        std::promise<std::string>& bound) {
  return std::thread([&ctx, endpoint, &bound] {
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind(endpoint);
    bound.set_value(router.get(zmq::sockopt::last_endpoint));
    for (;;) {
      zmq::message_t id, body;
      (void)router.recv(id);
      (void)router.recv(body);
      if (body.size() == 0) break;
      router.send(id, zmq::send_flags::sndmore);
      router.send(body, zmq::send_flags::none);
    }
  });
}

zmq::socket_t client(zmq::context_t& ctx, const std::string& endpoint) {
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint);
  return dealer;
}

}  // namespace

struct RawEchoPair::State {
  std::promise<std::string> bound;
  std::thread server;
  zmq::socket_t dealer;
  std::vector<char> data;
};

RawEchoPair::RawEchoPair(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload)
    : state_(new State) {
  state_->server = echo_server(ctx, endpoint, state_->bound);
  state_->dealer = client(ctx, state_->bound.get_future().get());
  state_->data.assign(payload + 1, 'x');  // +1: an empty message means "stop"
}

RawEchoPair::~RawEchoPair() {
  state_->dealer.send(zmq::message_t(), zmq::send_flags::none);
  state_->server.join();
  delete state_;
}

double RawEchoPair::round_trip() {
  const auto t0 = Clock::now();
  state_->dealer.send(zmq::buffer(state_->data), zmq::send_flags::none);
  zmq::message_t reply;
  (void)state_->dealer.recv(reply);
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

std::vector<double> raw_round_trips(zmq::context_t& ctx, const std::string& endpoint,
                                    std::size_t payload, int warmup, int iterations) {
  std::promise<std::string> bound;
  auto server = echo_server(ctx, endpoint, bound);
  auto dealer = client(ctx, bound.get_future().get());
  std::vector<char> data(payload + 1, 'x');  // +1: an empty message means "stop"
  std::vector<double> samples;
  samples.reserve(iterations);
  for (int i = 0; i < warmup + iterations; ++i) {
    const auto t0 = Clock::now();
    dealer.send(zmq::buffer(data), zmq::send_flags::none);
    zmq::message_t reply;
    (void)dealer.recv(reply);
    if (i >= warmup)
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  dealer.send(zmq::message_t(), zmq::send_flags::none);
  server.join();
  return samples;
}

double raw_pipelined_rate(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload,
                          int window, int total) {
  std::promise<std::string> bound;
  auto server = echo_server(ctx, endpoint, bound);
  auto dealer = client(ctx, bound.get_future().get());
  std::vector<char> data(payload + 1, 'x');
  const auto t0 = Clock::now();
  int sent = 0, received = 0;
  for (; sent < window && sent < total; ++sent)
    dealer.send(zmq::buffer(data), zmq::send_flags::none);
  while (received < total) {
    zmq::message_t reply;
    (void)dealer.recv(reply);
    ++received;
    if (sent < total) {
      dealer.send(zmq::buffer(data), zmq::send_flags::none);
      ++sent;
    }
  }
  const double rate = total / std::chrono::duration<double>(Clock::now() - t0).count();
  dealer.send(zmq::message_t(), zmq::send_flags::none);
  server.join();
  return rate;
}

double raw_one_way_rate(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload,
                        int messages) {
  std::promise<std::string> bound;
  double rate = 0;
  std::thread receiver([&] {
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind(endpoint);
    bound.set_value(router.get(zmq::sockopt::last_endpoint));
    Clock::time_point first;
    for (int i = 0; i < messages; ++i) {
      zmq::message_t id, body;
      (void)router.recv(id);
      (void)router.recv(body);
      if (i == 0) first = Clock::now();
    }
    rate = (messages - 1) / std::chrono::duration<double>(Clock::now() - first).count();
  });
  auto dealer = client(ctx, bound.get_future().get());
  std::vector<char> data(payload, 'x');
  for (int i = 0; i < messages; ++i) dealer.send(zmq::buffer(data), zmq::send_flags::none);
  receiver.join();
  return rate;
}

}  // namespace tether::bench
