#pragma once
// Facts about this host that registrations and handshakes carry.

#include <string>

namespace tether {

/// This machine's host name (gethostname), read once.
const std::string& host_name();

}  // namespace tether
