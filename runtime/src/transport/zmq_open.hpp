#pragma once
// Making zmq contexts and sockets without letting libzmq abort when descriptors run
// out (tether/base/descriptors.hpp): every context and socket of tether is made here.

#include <string_view>

#include <zmq.hpp>

namespace tether::transport {

/// A new context; DescriptorsExhausted if its mailbox cannot be had.
zmq::context_t open_context();

/// A new socket of `type` on `context`. Throws DescriptorsExhausted (naming `making`)
/// when the descriptors it needs would eat into the accept reserve, or zmq says EMFILE.
zmq::socket_t open_socket(zmq::context_t& context, zmq::socket_type type,
                          std::string_view making);

/// Translates a zmq::error_t of EMFILE/ENFILE into DescriptorsExhausted; returns
/// otherwise (the caller rethrows).
void throw_if_exhausted(const zmq::error_t& error, std::string_view making);

}  // namespace tether::transport
