#include "tether/concurrency/offload.hpp"

#include <algorithm>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "tether/concurrency/cancel_scope.hpp"

namespace tether::detail {

namespace asio = boost::asio;

namespace {

asio::thread_pool& shared_pool() {
  static asio::thread_pool pool(std::max(1u, std::thread::hardware_concurrency()));
  return pool;
}

}  // namespace

void run_on_pool(std::function<void()> job, asio::any_io_executor loop,
                 std::function<void()> done) {
  asio::post(shared_pool(), [job = std::move(job), loop, done = std::move(done)]() mutable {
    job();
    job = nullptr;  // its captures die here, not on the loop after it may be gone
    // Back to the loop: the awaiting task's state is only ever touched there.
    asio::post(loop, std::move(done));
  });
}

task<void> await_offloaded(std::shared_ptr<OffloadState> state) {
  std::exception_ptr cancelled;
  try {
    co_await state->done.wait();
  } catch (...) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    state->stop.request_stop();
    co_await allow_cleanup();
    co_await shielded(state->done.wait());  // the thread still uses what it captured
    std::rethrow_exception(cancelled);
  }
  if (state->error) std::rethrow_exception(state->error);
}

}  // namespace tether::detail
