// The worker pool: worker slots (start, initialise, run, replace or recycle), demand-driven
// runners pulling from one queue, and batches (map and friends) waiting on their tasks.
#include "tether/pool/pool.hpp"

#include <deque>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/core.h>

#include "tether/base/log.hpp"
#include "tether/concurrency/event.hpp"
#include "tether/concurrency/nursery.hpp"

namespace tether {

namespace detail {

struct PoolBatch;

struct PoolJob {
  std::size_t index = 0;
  std::string function;
  PackedPayload args;
  std::optional<PackedPayload> result;
  std::exception_ptr error;
  std::size_t retries = 0;
  bool running = false;
  bool finished = false;
  std::weak_ptr<PoolBatch> batch;  // weak: the batch owns its jobs
};

/// The tasks of one map/apply call, and the order they completed in.
struct PoolBatch {
  explicit PoolBatch(const boost::asio::any_io_executor& ex) : progress(ex) {}
  std::vector<std::shared_ptr<PoolJob>> jobs;
  std::vector<std::size_t> completion_order;
  std::size_t finished = 0;
  std::exception_ptr first_error;  // the first task that failed, in completion order
  Event progress;
};

struct Worker {
  std::size_t slot = 0;
  std::optional<Portal> portal;
  pid_t pid = -1;
  std::size_t tasks_taken = 0;
  bool dead = false;
};

class PoolCore : public std::enable_shared_from_this<PoolCore> {
 public:
  PoolCore(Actor& actor, ActorNursery& nursery, PoolOptions options, boost::asio::any_io_executor ex)
      : actor_(actor), nursery_(nursery), options_(std::move(options)), executor_(ex),
        wake_(ex, boost::asio::steady_timer::time_point::max()) {
    if (options_.workers == 0)
      options_.workers = std::max(1u, std::thread::hardware_concurrency());
    if (options_.concurrency == 0) throw std::invalid_argument("PoolOptions::concurrency must be >= 1");
  }

  task<void> run_workers() {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      for (std::size_t i = 1; i <= options_.workers; ++i) n.start_soon(worker_slot(i));
      co_return;
    });
  }

  void submit(const std::shared_ptr<PoolJob>& job, bool urgent = false) {
    if (urgent)
      queue_.push_front(job);
    else
      queue_.push_back(job);
    notify();
  }

  /// Wakes every idle runner to look again (work arrived, a worker died, the pool
  /// closed). A generation count, not a flag, so no runner can miss a wake-up.
  void notify() {
    ++generation_;
    wake_.cancel();
  }

  /// Removes the batch's tasks that no worker has taken yet; they count as finished.
  void withdraw(PoolBatch& batch) {
    std::erase_if(queue_, [&](const std::shared_ptr<PoolJob>& j) {
      return j->batch.lock().get() == &batch;
    });
    for (auto& job : batch.jobs)
      if (!job->running && !job->finished) {
        job->finished = true;
        ++batch.finished;
      }
  }

  /// No more tasks: runners stop once the queue is empty.
  void close() {
    closed_ = true;
    notify();
  }

  PoolStats stats;
  std::vector<std::shared_ptr<Worker>> workers;
  boost::asio::any_io_executor executor() const { return executor_; }

 private:
  bool drained() const { return closed_ && queue_.empty(); }

  task<void> worker_slot(std::size_t slot) {
    while (!drained()) {
      auto worker = std::make_shared<Worker>();
      worker->slot = slot;
      SpawnOptions spawn = options_.spawn;
      spawn.exit_is_error = false;  // a dead worker is replaced, not fatal
      auto user_on_exit = options_.spawn.on_exit;
      // Weak: the nursery may report the exit after the pool's scope is gone.
      spawn.on_exit = [self = weak_from_this(), worker, user_on_exit](const ExitStatus& status) {
        worker->dead = true;
        if (auto core = self.lock()) core->notify();  // its idle runners must notice
        if (user_on_exit) user_on_exit(status);
      };
      const std::string name = fmt::format("{}-{}", options_.name, slot);
      worker->portal.emplace(co_await nursery_.start_actor(name, spawn));
      worker->pid = nursery_.pid_of(worker->portal->peer().uid);
      ++stats.workers_started;
      workers.push_back(worker);
      if (!options_.initializer.empty()) {
        (void)co_await worker->portal->call_packed(options_.initializer,
                                                   options_.initializer_args, {});
      }

      co_await open_nursery([&](Nursery& n) -> task<void> {
        for (std::size_t i = 0; i < options_.concurrency; ++i) n.start_soon(runner(worker));
        co_return;
      });

      std::erase(workers, worker);
      if (worker->dead) {
        // Usually already exited; if its link was lost while the process lingers,
        // stop it through the ladder rather than leave it running.
        co_await nursery_.stop_actor(worker->portal->peer().uid);
        ++stats.workers_lost;
        log::warn("pool: worker {} (pid {}) died; {}", name, worker->pid,
                  drained() ? "not replaced: no work left" : "replacing it");
        continue;
      }
      co_await nursery_.stop_actor(worker->portal->peer().uid);
      if (drained()) break;
      ++stats.workers_recycled;  // it ran its max_tasks_per_worker
    }
  }

  /// The next task for `worker`, or null when it should stop taking tasks.
  task<std::shared_ptr<PoolJob>> next_job(Worker& worker) {
    for (;;) {
      if (worker.dead) co_return nullptr;
      if (options_.max_tasks_per_worker > 0 && worker.tasks_taken >= options_.max_tasks_per_worker)
        co_return nullptr;
      if (!queue_.empty()) {
        auto job = std::move(queue_.front());
        queue_.pop_front();
        co_return job;
      }
      if (closed_) co_return nullptr;
      const std::uint64_t seen = generation_;
      while (generation_ == seen)
        co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  task<void> runner(std::shared_ptr<Worker> worker) {
    for (;;) {
      std::shared_ptr<PoolJob> job = co_await next_job(*worker);
      if (!job) co_return;
      ++worker->tasks_taken;
      job->running = true;
      std::exception_ptr error;
      try {
        // job->args stays with the job: a retry sends it again.
        auto reply = co_await worker->portal->call_packed(job->function, job->args, {});
        job->result.emplace(PackedPayload{std::string(reply->type_name()),
                                          {reply->bytes().begin(), reply->bytes().end()}});
      } catch (...) {
        error = std::current_exception();
      }
      if (error && is_cancellation(error)) std::rethrow_exception(error);
      const Failure failure = error ? classify(error, *worker) : Failure::task;
      if (failure != Failure::task) {
        if (failure == Failure::worker_lost) worker->dead = true;
        job->running = false;
        if (job->retries < options_.max_retries) {
          ++job->retries;
          ++stats.retries;
          log::info("pool: retrying task {} of '{}' after its worker died", job->index,
                    job->function);
          submit(job, true);
          if (worker->dead) co_return;
          continue;
        }
      }
      job->error = error;
      finish(*job);
    }
  }

  /// Why a task failed. Not because of the task itself when the exit it reports is its
  /// worker's: lost (it died or went silent), or cancelled (stopped under the task). Such
  /// a task may be retried. An exit of anyone else — a child the task started — is the
  /// task's own failure.
  enum class Failure { task, worker_lost, worker_stopping };
  static Failure classify(const std::exception_ptr& error, const Worker& worker) {
    const auto exit = exit_of(error);
    if (!exit || exit->actor.uid != worker.portal->peer().uid) return Failure::task;
    switch (exit->reason) {
      case ExitReason::cancelled: return Failure::worker_stopping;
      case ExitReason::normal: return Failure::task;
      default: return Failure::worker_lost;
    }
  }

  void finish(PoolJob& job) {
    job.running = false;
    if (job.finished) return;
    job.finished = true;
    ++(job.error ? stats.tasks_failed : stats.tasks_done);
    auto owner = job.batch.lock();
    if (!owner) return;  // its map was abandoned: nobody waits for the result
    PoolBatch& batch = *owner;
    ++batch.finished;
    if (job.error && !batch.first_error) batch.first_error = job.error;
    batch.completion_order.push_back(job.index);
    batch.progress.set();
  }

  Actor& actor_;
  ActorNursery& nursery_;
  PoolOptions options_;
  boost::asio::any_io_executor executor_;
  std::deque<std::shared_ptr<PoolJob>> queue_;
  boost::asio::steady_timer wake_;  // never expires: notify() cancels it
  std::uint64_t generation_ = 0;
  bool closed_ = false;
};

}  // namespace detail

task<std::vector<std::pair<std::size_t, PackedPayload>>> Pool::run_packed(
    std::string function, std::vector<std::string> functions, std::vector<PackedPayload> inputs,
    bool ordered) {
  auto batch = std::make_shared<detail::PoolBatch>(core_.executor());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto job = std::make_shared<detail::PoolJob>();
    job->index = i;
    job->function = functions.empty() ? function : functions.at(i);
    job->args = std::move(inputs[i]);
    job->batch = batch;
    batch->jobs.push_back(job);
    core_.submit(job);
  }
  std::exception_ptr failure;
  std::exception_ptr interrupted;
  try {
    while (batch->finished < batch->jobs.size()) {
      if (!failure && batch->first_error) {
        failure = batch->first_error;
        core_.withdraw(*batch);  // stop what has not started; let the rest finish
      }
      if (batch->finished == batch->jobs.size()) break;
      batch->progress.reset();
      co_await batch->progress.wait();
    }
  } catch (...) {
    interrupted = std::current_exception();
  }
  if (interrupted) {
    core_.withdraw(*batch);  // running ones finish on their own; their results are dropped
    std::rethrow_exception(interrupted);
  }
  if (!failure) failure = batch->first_error;
  if (failure) std::rethrow_exception(failure);

  std::vector<std::pair<std::size_t, PackedPayload>> out;
  out.reserve(batch->jobs.size());
  if (ordered) {
    for (auto& job : batch->jobs) out.emplace_back(job->index, std::move(*job->result));
  } else {
    for (std::size_t index : batch->completion_order)
      out.emplace_back(index, std::move(*batch->jobs[index]->result));
  }
  co_return out;
}

PoolStats Pool::stats() const noexcept {
  return core_.stats;
}

std::size_t Pool::workers() const noexcept {
  return core_.workers.size();
}

std::vector<pid_t> Pool::worker_pids() const {
  std::vector<pid_t> pids;
  for (const auto& w : core_.workers)
    if (!w->dead) pids.push_back(w->pid);
  return pids;
}

task<void> open_pool(Actor& actor, PoolOptions options, std::function<task<void>(Pool&)> body) {
  const auto executor = co_await boost::asio::this_coro::executor;
  co_await open_actor_nursery(actor, [&](ActorNursery& an) -> task<void> {
    auto core = std::make_shared<detail::PoolCore>(actor, an, std::move(options), executor);
    Pool pool(*core);
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon(core->run_workers());
      co_await body(pool);
      core->close();  // drain: the workers finish what is queued, then stop
    });
  });
}

}  // namespace tether
