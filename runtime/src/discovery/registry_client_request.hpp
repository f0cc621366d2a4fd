#pragma once
// RegistryClientCore's templates (included by registry_client_core.hpp).

#include <fmt/core.h>

namespace tether::detail {

template <class MakeBody>
std::uint64_t RegistryClientCore::send(MakeBody&& make_body, std::uint64_t in_reply_to) {
  if (!socket_) return 0;
  const auto msg_id = ++next_msg_id_;
  auto bytes = encoder_.encode(
      {.msg_id = msg_id, .in_reply_to = in_reply_to, .from = {options_.uid, options_.name, 0}},
      std::forward<MakeBody>(make_body));
  if (!socket_->send({.peer = {}, .envelope = transport::make_frame(bytes), .attachments = {}},
                     transport::Priority::control)
           .ok())
    return 0;
  last_sent_ = Clock::now();
  return msg_id;
}

template <class MakeBody>
task<transport::InboundMessage> RegistryClientCore::request(MakeBody make_body,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto unavailable = [&] {
    return RegistryUnavailable(fmt::format("no answer from the registry at {} within {} ms",
                                           options_.endpoint, timeout.count()));
  };
  for (;;) {
    if (!running_)
      throw RegistryUnavailable("the registry client for " + options_.endpoint +
                                " is not running");
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero() || !co_await connected_.wait_for(left)) throw unavailable();
    RegistryReply reply(executor_);
    const std::uint64_t msg_id = send(make_body);
    if (msg_id == 0) throw unavailable();
    Subscription filed = subscribe_in(pending_, msg_id, &reply);
    (void)co_await reply.wait_for(deadline - Clock::now());
    if (reply.has_value()) {
      if (reply.value().envelope().body_type() == wire::Body::Error)
        throw_refusal(reply.value().envelope());
      co_return std::move(reply.value());
    }
    if (!reply.abandoned()) throw unavailable();
    // The connection went away first: ask again on the next one.
  }
}

}  // namespace tether::detail
