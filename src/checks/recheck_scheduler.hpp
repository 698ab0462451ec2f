#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "checks/check_runner.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"

namespace inereg::checks {

// Queues the scheduled re-checks: every options.sweep_interval_ms, for each active
// integration with a recheck.interval (Integration::recheck_interval_ms), a re-check of
// each of its sessions with a registry result not checked for that long
// (SessionWorkflow::request_rechecks). Safe with every node sweeping: a session has at
// most one re-check pending. The check pipeline runs them, at its re-check pace.
// start() once, stop() once.
class RecheckScheduler {
 public:
  using Clock = std::function<store::TimeMs()>;
  using Queued = std::function<void(std::int64_t queued)>;  // after a sweep that queued re-checks
  RecheckScheduler(store::Store& store, sessions::SessionWorkflow& sessions, RecheckOptions options, Clock clock,
                   Queued on_queued);
  ~RecheckScheduler();
  RecheckScheduler(const RecheckScheduler&) = delete;
  RecheckScheduler& operator=(const RecheckScheduler&) = delete;

  void start();
  void stop();
  // One sweep on the calling thread, at the clock's now; returns how many re-checks it queued.
  std::int64_t sweep_once();

 private:
  store::Store& store_;
  sessions::SessionWorkflow& sessions_;
  const RecheckOptions options_;
  const Clock clock_;
  const Queued on_queued_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace inereg::checks
