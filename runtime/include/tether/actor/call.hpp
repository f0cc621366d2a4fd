#pragma once
// Call: what an exposed function knows about the call it is serving.
// Lifetime: valid for the duration of the function's task.
// Cancellation: when the caller cancels (or the deadline passes), the function's task
// is cancelled like any Asio coroutine (operation_aborted at its next co_await).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tether/actor/identity.hpp"

namespace tether {

class Actor;

class Call {
 public:
  Call(Actor& actor, ActorIdentity caller, std::uint64_t id, std::string function,
       std::optional<std::chrono::system_clock::time_point> deadline)
      : actor_(actor),
        caller_(std::move(caller)),
        id_(id),
        function_(std::move(function)),
        deadline_(deadline) {}

  /// The actor serving this call; use it to call other actors (errors from them are
  /// relayed to our caller with the path extended).
  Actor& actor() const noexcept { return actor_; }
  const ActorIdentity& caller() const noexcept { return caller_; }
  std::uint64_t id() const noexcept { return id_; }
  const std::string& function() const noexcept { return function_; }
  std::optional<std::chrono::system_clock::time_point> deadline() const noexcept {
    return deadline_;
  }

 private:
  Actor& actor_;
  ActorIdentity caller_;
  std::uint64_t id_;
  std::string function_;
  std::optional<std::chrono::system_clock::time_point> deadline_;
};

}  // namespace tether
