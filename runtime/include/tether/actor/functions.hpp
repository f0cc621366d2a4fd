#pragma once
// Functions: the closed table of what an actor lets others call. Nothing outside it can
// be called; there is no call-by-name escape hatch into the runtime.
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   tether::Functions functions;
//   functions.expose<AddArgs>("add", [](tether::Call&, const AddArgs& a) -> tether::task<SumT> {
//     SumT sum;
//     sum.value = a.a() + a.b();
//     co_return sum;
//   });
//
// A typed function reads its argument table in place (verified first) and returns an
// object-API value; a raw function takes and returns bytes.

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tether/actor/call.hpp"
#include "tether/actor/context.hpp"
#include "tether/actor/payload.hpp"
#include "tether/base/task.hpp"

namespace tether {

class Functions {
 public:
  using Invoke = std::function<task<PackedPayload>(Call&, std::span<const std::uint8_t>)>;
  using InvokeContext = std::function<task<PackedPayload>(Context&, std::span<const std::uint8_t>)>;
  using Verify = bool (*)(std::span<const std::uint8_t>);
  struct Entry {
    std::string argument_type;  // fully qualified table name; empty for raw functions
    Verify verify = nullptr;    // checks an argument_type payload; null for raw functions
    Invoke invoke;              // called only with a payload that passed verify
    InvokeContext invoke_context;  // set instead of `invoke` for context functions
    StreamOptions stream;          // context functions: what their stream buffers
  };

  /// Exposes `fn(Call&, const Args&) -> task<R>`, R an object-API type (or void).
  template <class Args, class Fn>
  Functions& expose(std::string name, Fn fn) {
    using Awaitable = std::invoke_result_t<Fn&, Call&, const Args&>;
    using Result = typename Awaitable::value_type;
    add(std::move(name),
        {std::string(payload_type_name<Args>()), &verify_payload<Args>,
         [fn = std::move(fn)](Call& call,
                              std::span<const std::uint8_t> bytes) -> task<PackedPayload> {
           const Args& args = *flatbuffers::GetRoot<Args>(bytes.data());
           if constexpr (std::is_void_v<Result>) {
             co_await fn(call, args);
             co_return PackedPayload{};
           } else {
             co_return pack_payload(co_await fn(call, args));
           }
         }});
    return *this;
  }

  /// Exposes a context function `fn(Context&, const Args&) -> task<R>` (see
  /// context.hpp): callers reach it with Portal::open_context, not call.
  template <class Args, class Fn>
  Functions& expose_context(std::string name, Fn fn, StreamOptions stream = {}) {
    if (stream.window == 0 || stream.window > 1'000'000)
      throw std::invalid_argument("StreamOptions::window must be 1..1000000");
    using Awaitable = std::invoke_result_t<Fn&, Context&, const Args&>;
    using Result = typename Awaitable::value_type;
    Entry entry{std::string(payload_type_name<Args>()), &verify_payload<Args>, {},
                [fn = std::move(fn)](Context& context,
                                     std::span<const std::uint8_t> bytes) -> task<PackedPayload> {
                  const Args& args = *flatbuffers::GetRoot<Args>(bytes.data());
                  if constexpr (std::is_void_v<Result>) {
                    co_await fn(context, args);
                    co_return PackedPayload{};
                  } else {
                    co_return pack_payload(co_await fn(context, args));
                  }
                },
                stream};
    add(std::move(name), std::move(entry));
    return *this;
  }

  /// Exposes `fn(Call&, bytes) -> task<std::vector<uint8_t>>` for untyped payloads.
  Functions& expose_raw(
      std::string name,
      std::function<task<std::vector<std::uint8_t>>(Call&, std::span<const std::uint8_t>)> fn);

  const Entry* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  void add(std::string name, Entry entry);

  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace tether
