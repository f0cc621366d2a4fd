// Actor: the public face of one actor; the machinery is ActorCore's (actor_core.cpp),
// the discovery methods are in discovery.cpp.
#include "tether/actor/actor.hpp"

#include "actor_core.hpp"

namespace tether {

Actor::Actor(const boost::asio::any_io_executor& executor, zmq::context_t& context,
             const Functions& functions, ActorOptions options)
    : core_(std::make_unique<detail::ActorCore>(executor, context, functions, std::move(options),
                                                *this)) {}
Actor::~Actor() = default;
const ActorIdentity& Actor::identity() const noexcept {
  return core_->identity();
}
const std::string& Actor::endpoint() const noexcept {
  return core_->endpoint();
}
task<void> Actor::serve() {
  return core_->serve();
}
void Actor::set_run_main(TaskHandle* main) noexcept {
  core_->set_run_main(main);
}
task<void> Actor::stop_requested() {
  core_->set_stop_handled_by_owner();  // now, not when first awaited
  return core_->wait_for_stop_request();
}
task<Portal> Actor::connect(const std::string& endpoint) {
  return core_->connect(endpoint);
}
std::size_t Actor::serving_calls() const noexcept {
  return core_->serving_count();
}
std::size_t Actor::pending_registrations() const noexcept {
  return core_->registrations();
}

}  // namespace tether
