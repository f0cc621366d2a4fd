#include "tether/transport/curve.hpp"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include <zmq.hpp>

namespace tether::transport {

namespace {
// DRAFT-guarded in zmq.h 4.3.4, yet implemented by the stable library (see
// research/cpp-anchors.md §3): without it CURVE accepts any key when no ZAP answers.
constexpr int kZapEnforceDomain = 93;
}  // namespace

CurveKeyPair generate_curve_keypair() {
  char public_key[41];
  char secret_key[41];
  if (zmq_curve_keypair(public_key, secret_key) != 0)
    throw std::runtime_error("zmq_curve_keypair failed: libzmq built without CURVE?");
  return {public_key, secret_key};
}

bool is_valid_curve_key(std::string_view key) noexcept {
  if (key.size() != 40) return false;
  std::uint8_t decoded[32];
  const std::string text(key);
  return zmq_z85_decode(decoded, text.c_str()) != nullptr;
}

void write_keypair_file(const std::filesystem::path& path, const CurveKeyPair& keys) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write key file " + tmp);
  }
  std::filesystem::permissions(
      tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace);
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << keys.public_key << '\n' << keys.secret_key << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write key file " + tmp);
  }
  std::filesystem::rename(tmp, path);  // never a half-written key file under the real name
}

CurveKeyPair read_keypair_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw std::runtime_error("key file not found: " + path.string());
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw std::runtime_error("key file " + path.string() +
                             " is accessible by other users; chmod 600 it (or make new keys)");
  std::ifstream in(path);
  CurveKeyPair keys;
  std::getline(in, keys.public_key);
  std::getline(in, keys.secret_key);
  if (!is_valid_curve_key(keys.public_key) || !is_valid_curve_key(keys.secret_key))
    throw std::runtime_error("key file " + path.string() +
                             " is malformed: expected a Z85 public key line and a secret key line");
  return keys;
}

void apply_curve_server(zmq::socket_t& socket, const CurveServerConfig& config) {
  if (!is_valid_curve_key(config.keys.secret_key))
    throw std::invalid_argument("CURVE server needs a valid Z85 secret key");
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, config.keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, config.zap_domain);
  const int enforce = 1;
  if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &enforce, sizeof enforce) != 0)
    throw zmq::error_t();
}

void apply_curve_client(zmq::socket_t& socket, const CurveClientConfig& config) {
  if (!is_valid_curve_key(config.server_public_key) ||
      !is_valid_curve_key(config.keys.public_key) || !is_valid_curve_key(config.keys.secret_key))
    throw std::invalid_argument(
        "CURVE client needs valid Z85 keys (own pair and the server's public key)");
  socket.set(zmq::sockopt::curve_serverkey, config.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, config.keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, config.keys.secret_key);
}

}  // namespace tether::transport
