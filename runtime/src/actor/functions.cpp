#include "tether/actor/functions.hpp"

namespace tether {

Functions& Functions::expose_raw(
    std::string name,
    std::function<task<std::vector<std::uint8_t>>(Call&, std::span<const std::uint8_t>)> fn) {
  add(std::move(name),
      {"", nullptr,
       [fn = std::move(fn)](Call& call,
                            std::span<const std::uint8_t> bytes) -> task<PackedPayload> {
         // Named locals: g++ 12 mishandles co_await inside a braced
         // initialiser (double destruction).
         std::vector<std::uint8_t> result = co_await fn(call, bytes);
         PackedPayload packed;
         packed.bytes = std::move(result);
         co_return packed;
       }});
  return *this;
}

const Functions::Entry* Functions::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> Functions::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

void Functions::add(std::string name, Entry entry) {
  if (name.empty()) throw std::invalid_argument("an exposed function needs a name");
  if (!entries_.emplace(name, std::move(entry)).second)
    throw std::invalid_argument("function '" + name + "' is already exposed");
}

}  // namespace tether
