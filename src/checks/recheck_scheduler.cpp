#include "checks/recheck_scheduler.hpp"

#include <spdlog/spdlog.h>

namespace inereg::checks {

RecheckScheduler::RecheckScheduler(store::Store& store, sessions::SessionWorkflow& sessions, RecheckOptions options,
                                   Clock clock, Queued on_queued)
    : store_(store),
      sessions_(sessions),
      options_(options),
      clock_(std::move(clock)),
      on_queued_(std::move(on_queued)),
      worker_("re-check schedule sweep", std::chrono::milliseconds(options_.sweep_interval_ms),
              [this] { sweep_once(); }) {}

std::int64_t RecheckScheduler::sweep_once() {
  std::int64_t total = 0;
  for (const auto& integration : store_.list_integrations()) {
    if (!integration.active || integration.recheck_interval_ms <= 0) {
      continue;
    }
    const store::TimeMs now = clock_();
    store::RecheckSelection due;
    due.integration_id = integration.id;
    due.checked_at_or_before = now - integration.recheck_interval_ms;
    total += sessions_.request_rechecks(due, store::recheck_by::kSchedule, now);
  }
  if (total > 0) {
    spdlog::info("re-check schedule: {} re-check(s) queued", total);
    if (on_queued_) {
      on_queued_(total);
    }
  }
  return total;
}

}  // namespace inereg::checks
