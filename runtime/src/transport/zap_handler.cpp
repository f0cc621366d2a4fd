#include <array>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <zmq_addon.hpp>

#include "tether/base/log.hpp"
#include "zmq_open.hpp"
#include "tether/transport/curve.hpp"

namespace tether::transport {

class ZapHandler::Impl {
 public:
  Impl(zmq::context_t& context, std::string domain)
      : domain_(std::move(domain)),
        socket_(open_socket(context, zmq::socket_type::rep, "the ZAP handler")),
        stop_receiver_(open_socket(context, zmq::socket_type::pair, "the ZAP handler")),
        stop_sender_(open_socket(context, zmq::socket_type::pair, "the ZAP handler")) {
    socket_.set(zmq::sockopt::linger, 0);
    stop_receiver_.set(zmq::sockopt::linger, 0);
    stop_sender_.set(zmq::sockopt::linger, 0);
    // Bound here, before the constructor returns, so it exists before any server binds.
    socket_.bind("inproc://zeromq.zap.01");
    const std::string stop_endpoint =
        "inproc://tether.zap.stop." + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    stop_receiver_.bind(stop_endpoint);
    stop_sender_.connect(stop_endpoint);
    thread_ = std::thread([this] { run(); });  // thread start is the memory barrier zmq asks for
  }

  ~Impl() {
    stop_sender_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    thread_.join();
  }

  void allow(const std::string& public_key, std::string identity) {
    if (!is_valid_curve_key(public_key)) throw std::invalid_argument("not a Z85 CURVE public key");
    std::lock_guard lock(mutex_);
    allowed_[public_key] = std::move(identity);
  }
  void revoke(const std::string& public_key) {
    std::lock_guard lock(mutex_);
    allowed_.erase(public_key);
  }

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> denied_{0};

 private:
  void run() {
    std::array<zmq::pollitem_t, 2> items{
        {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {stop_receiver_.handle(), 0, ZMQ_POLLIN, 0}}};
    for (;;) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) return;
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> request;
      if (!zmq::recv_multipart(socket_, std::back_inserter(request), zmq::recv_flags::dontwait))
        continue;
      answer(request);
    }
  }

  // Request: version, request id, domain, address, routing id, mechanism, credentials.
  void answer(std::vector<zmq::message_t>& request) {
    std::string identity;
    std::string_view reason = "malformed ZAP request";
    bool ok = false;
    if (request.size() >= 6 && request[0].to_string_view() == "1.0") {
      const auto domain = request[2].to_string_view();
      const auto mechanism = request[5].to_string_view();
      if (domain != domain_) {
        reason = "unknown ZAP domain";
      } else if (mechanism != "CURVE" || request.size() != 7 || request[6].size() != 32) {
        reason = "only CURVE is accepted";
      } else {
        char key[41];
        zmq_z85_encode(key, static_cast<const std::uint8_t*>(request[6].data()), 32);
        std::lock_guard lock(mutex_);
        auto it = allowed_.find(key);
        ok = it != allowed_.end();
        if (ok) identity = it->second;
        reason = ok ? "OK" : "key not on the allow-list";
        if (!ok) log::warn("zap: refused CURVE key {} from {}", key, request[3].to_string_view());
      }
    }
    (ok ? accepted_ : denied_).fetch_add(1, std::memory_order_relaxed);
    const zmq::message_t empty;
    std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"),
                                           request.size() > 1
                                               ? zmq::buffer(request[1].data(), request[1].size())
                                               : zmq::const_buffer(),
                                           ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
                                           zmq::buffer(reason),
                                           zmq::buffer(identity),
                                           zmq::const_buffer()};
    zmq::send_multipart(socket_, reply);
  }

  std::string domain_;
  zmq::socket_t socket_;
  zmq::socket_t stop_receiver_;
  zmq::socket_t stop_sender_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> allowed_;
  std::thread thread_;
};

ZapHandler::ZapHandler(zmq::context_t& context, std::string domain)
    : impl_(std::make_unique<Impl>(context, std::move(domain))) {}
ZapHandler::~ZapHandler() = default;

void ZapHandler::allow(const std::string& public_key, std::string identity) {
  impl_->allow(public_key, std::move(identity));
}
void ZapHandler::revoke(const std::string& public_key) {
  impl_->revoke(public_key);
}
std::uint64_t ZapHandler::accepted() const noexcept {
  return impl_->accepted_.load();
}
std::uint64_t ZapHandler::denied() const noexcept {
  return impl_->denied_.load();
}

}  // namespace tether::transport
