#pragma once
// Who may ask an actor to stop: its parent, or an operator of this host. An operator
// proves itself with the key in <private runtime directory>/operator.key (mode 0600,
// made on first use): a process that can read it runs as this user on this host, and
// could signal the actor anyway. A peer on another host, or one that merely completed
// a Hello, cannot — its stop requests are refused. (Across hosts, operators will be
// the holders of trusted CURVE keys: the secure-transport issue.)

#include <string>

namespace tether::detail {

/// This host's operator key for the current user (created if missing). Empty if the
/// runtime directory is unusable: then no operator proof can be given or checked.
std::string operator_key();

/// True if `token` is this host's operator key.
bool is_operator_token(const std::string& token);

}  // namespace tether::detail
