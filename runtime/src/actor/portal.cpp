#include "tether/actor/portal.hpp"

#include "actor_core.hpp"
#include "operator_key.hpp"

namespace tether {

namespace {

class InboundReturn final : public ReturnValue {
 public:
  explicit InboundReturn(transport::InboundMessage message) : message_(std::move(message)) {}
  std::string_view type_name() const override {
    const auto* value = message_.envelope().body_as_Return()->value();
    return value && value->type_name() ? value->type_name()->string_view() : std::string_view();
  }
  std::span<const std::uint8_t> bytes() const override {
    const auto* value = message_.envelope().body_as_Return()->value();
    if (!value || !value->data()) return {};
    return {value->data()->data(), value->data()->size()};
  }

 private:
  transport::InboundMessage message_;
};

}  // namespace

task<std::unique_ptr<ReturnValue>> Portal::call_packed(std::string_view function,
                                                       const PackedPayload& args,
                                                       CallOptions options) {
  auto message = co_await actor_->call(peer_.uid, function, args, options);
  co_return std::make_unique<InboundReturn>(std::move(message));
}

task<std::vector<std::uint8_t>> Portal::call_raw(std::string_view function,
                                                 std::span<const std::uint8_t> args,
                                                 CallOptions options) {
  // A named local, not a braced temporary: g++ 12 destroys such a temporary twice when
  // it initialises a by-value coroutine parameter inside co_await.
  PackedPayload packed{"", {args.begin(), args.end()}};
  auto reply = co_await call_packed(function, std::move(packed), options);
  check_payload_type(reply->type_name(), "", "the call's result", peer_, result_path());
  co_return std::vector<std::uint8_t>(reply->bytes().begin(), reply->bytes().end());
}

task<void> Portal::request_stop(std::string child_uid, std::chrono::milliseconds timeout) {
  detail::ActorCore& core = *actor_;
  detail::Peer* peer = core.find_peer(peer_.uid);
  if (!peer) throw PeerLost(peer_, "not connected");
  detail::CallReply answer(core.executor());
  Subscription expected = core.expect_stop_ack(peer_.uid, answer);
  Subscription on_loss = core.listen_for_loss(peer_.uid, [&answer, this](const std::string& why) {
    answer.set_error(std::make_exception_ptr(PeerLost(peer_, why)));
  });
  // Not its parent (that is the nursery's own path): we prove we operate this host.
  core.send_cancel(*peer, {.to = {child_uid, {}, 0}, .call_id = 0},
                   "stop requested by " + core.identity().display(), {}, detail::operator_key());
  if (!co_await move_on_after(timeout, answer.wait()))
    throw Timeout("actor " + peer_.display() + " did not confirm the stop within " +
                  std::to_string(timeout.count()) + " ms");
  if (answer.error()) std::rethrow_exception(answer.error());
  const auto& env = answer.value().envelope();
  if (env.body_type() == wire::Body::Error) {
    const auto* error = env.body_as_Error();
    std::string why = error->message() ? error->message()->str() : "stop refused";
    if (error->kind() == wire::ErrorKind::Unauthorized) throw Unauthorized(std::move(why));
    throw ActorNotFound(std::move(why));
  }
}

std::vector<ActorIdentity> Portal::result_path() const {
  return {peer_, actor_->identity()};
}

}  // namespace tether
