#pragma once

#include <cstdint>
#include <functional>

#include "checks/check_runner.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"
#include "util/periodic_thread.hpp"

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
  RecheckScheduler(const RecheckScheduler&) = delete;
  RecheckScheduler& operator=(const RecheckScheduler&) = delete;

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  // One sweep on the calling thread, at the clock's now; returns how many re-checks it queued.
  std::int64_t sweep_once();

 private:
  store::Store& store_;
  sessions::SessionWorkflow& sessions_;
  const RecheckOptions options_;
  const Clock clock_;
  const Queued on_queued_;
  util::PeriodicThread worker_;  // last: it runs sweep_once() over the members above
};

}  // namespace inereg::checks
