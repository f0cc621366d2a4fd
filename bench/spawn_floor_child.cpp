// The floor of the spawn benchmark: the least a child process can do to say "I am up"
// over ZeroMQ — connect a DEALER, send one message, exit.
#include <zmq.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 1000);
  dealer.connect(argv[1]);
  dealer.send(zmq::str_buffer("up"), zmq::send_flags::none);
  return 0;
}
