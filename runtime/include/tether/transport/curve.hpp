#pragma once
// CURVE keys and the ZAP allow-list that authenticates peers on TCP endpoints.
//
// Every non-loopback TCP endpoint runs CURVE with ZMQ_ZAP_ENFORCE_DOMAIN=1, so a server
// socket with no ZapHandler in its context refuses everyone (fail closed) rather than
// accepting any key (libzmq's default). The identity a ZapHandler assigns to a key
// reaches the receiver as InboundMessage::user_id(): that, not the routing id a peer
// picks for itself, is who the peer is.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace tether::transport {

/// A CURVE key pair in Z85 text (40 characters each).
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

/// A fresh key pair from libsodium (through libzmq).
CurveKeyPair generate_curve_keypair();

/// Writes `keys` as two lines (public, secret) to `path`, created with mode 0600.
void write_keypair_file(const std::filesystem::path& path, const CurveKeyPair& keys);
/// Reads a key pair file. Throws std::runtime_error on a malformed file or one that
/// other users can read (a leaked secret key is not a key).
CurveKeyPair read_keypair_file(const std::filesystem::path& path);

/// True when `key` is 40 characters of valid Z85 encoding a 32-byte key.
bool is_valid_curve_key(std::string_view key) noexcept;

inline constexpr std::string_view kDefaultZapDomain = "tether";

/// This socket is a CURVE server (the side that binds): needs its secret key.
struct CurveServerConfig {
  CurveKeyPair keys;
  std::string zap_domain{kDefaultZapDomain};
};
/// This socket is a CURVE client (the side that connects): pins the server's public key.
struct CurveClientConfig {
  CurveKeyPair keys;
  std::string server_public_key;
};

void apply_curve_server(zmq::socket_t& socket, const CurveServerConfig& config);
void apply_curve_client(zmq::socket_t& socket, const CurveClientConfig& config);

/// Answers libzmq's ZAP requests (RFC 27) for one domain from an allow-list of public
/// keys. One per zmq context, created before any CURVE server socket binds; runs its
/// own thread (ZAP is a blocking REQ/REP exchange libzmq's I/O thread waits on).
/// Lifetime: must outlive every server socket of its context; the destructor stops and
/// joins the thread within one poll interval.
class ZapHandler {
 public:
  explicit ZapHandler(zmq::context_t& context, std::string domain = std::string(kDefaultZapDomain));
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  /// Lets the holder of `public_key` (Z85) in, as `identity`. Throws on an invalid key.
  void allow(const std::string& public_key, std::string identity);
  void revoke(const std::string& public_key);

  std::uint64_t accepted() const noexcept;
  std::uint64_t denied() const noexcept;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tether::transport
