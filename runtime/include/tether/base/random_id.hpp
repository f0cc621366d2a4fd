#pragma once
// Cluster-unique ids for actors and services.

#include <string>

namespace tether {

/// 64 random bits as 16 hex digits.
std::string random_uid();

}  // namespace tether
