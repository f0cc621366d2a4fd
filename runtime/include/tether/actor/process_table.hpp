#pragma once
// Reading the process table (/proc): which processes live below a pid. How tests and
// benchmarks prove that no actor outlived its scope, and what `tether ps` builds on.

#include <sys/types.h>

#include <vector>

namespace tether {

/// Live (non-zombie) processes whose parent is `parent`.
std::vector<pid_t> live_children(pid_t parent);

/// Every process whose parent is `parent`, zombies included.
std::vector<pid_t> children_of(pid_t parent);

/// Every live (non-zombie) process below `root`, at any depth.
std::vector<pid_t> live_descendants(pid_t root);

/// True while `pid` exists and is not a zombie.
bool process_running(pid_t pid);

/// True while `pid` is stopped (SIGSTOP, SIGTSTP, or a tracer).
bool process_stopped(pid_t pid);

}  // namespace tether
