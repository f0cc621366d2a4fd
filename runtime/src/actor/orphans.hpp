#pragma once
// Orphans: processes this actor adopted. Every actor is a child subreaper
// (PR_SET_CHILD_SUBREAPER), so when one of its children dies without stopping its own
// children first — SIGKILLed, crashed, killed mid-ladder — those grandchildren re-parent
// here instead of to init, and this actor ends them: SIGTERM at once (their
// PR_SET_PDEATHSIG sent one too), SIGKILL after `grace`, reaped when they exit; their
// own orphans follow the same way. No grandchild outlives its tree (DESIGN.md
// "Semantics" 12).
//
// Lifetime: one per actor process, on its loop. Destroying it SIGKILLs and reaps what
// is still adopted. Private to the runtime.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "tether/concurrency/event.hpp"
#include "tether/base/task.hpp"

namespace tether::detail {

class Orphans {
 public:
  explicit Orphans(const boost::asio::any_io_executor& executor);
  ~Orphans();
  Orphans(const Orphans&) = delete;
  Orphans& operator=(const Orphans&) = delete;

  /// Adopts every child of this process that no ChildProcess started, and reaps the
  /// ones that already exited. Call after a child of ours exited.
  void sweep(std::chrono::milliseconds grace);
  /// Waits until every adopted process has been reaped: bounded, since each is
  /// SIGKILLed when its grace ends.
  task<void> wait_all();
  std::size_t adopted() const noexcept;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tether::detail
