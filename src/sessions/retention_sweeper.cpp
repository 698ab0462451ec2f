#include "sessions/retention_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace inereg::sessions {

RetentionSweeper::RetentionSweeper(store::Store& store, SessionWorkflow& sessions, RetentionOptions options,
                                   Clock clock)
    : store_(store),
      sessions_(sessions),
      options_(options),
      clock_(std::move(clock)),
      worker_("retention sweep", std::chrono::milliseconds(options_.sweep_interval_ms), [this] { sweep_once(); }) {}

store::RetentionRun RetentionSweeper::sweep_once() {
  const auto now = clock_();
  const int batch = std::max(1, options_.batch_size);
  store::RetentionRun run{now, 0, 0};
  // Deactivated integrations too: retention is about the data they left, not access.
  for (const auto& integration : store_.list_integrations()) {
    int purged = 0;
    if (integration.retention_ms > 0) {
      const auto decided_before = now - integration.retention_ms;
      for (int done = batch; done == batch;) {
        done = sessions_.purge_personal_data(integration.id, decided_before, now, batch);
        purged += done;
      }
    }
    int pruned = 0;
    if (integration.delivered_webhook_retention_ms > 0) {
      const auto delivered_before = now - integration.delivered_webhook_retention_ms;
      for (int done = batch; done == batch;) {
        done = sessions_.prune_delivered_webhooks(integration.id, delivered_before, now, batch);
        pruned += done;
      }
    }
    if (purged > 0 || pruned > 0) {
      // The audit line: which integration, how many; never a person's data.
      spdlog::info("retention: integration {}: personal data of {} session(s) purged, {} delivered webhook(s) pruned",
                   integration.id, purged, pruned);
    }
    run.sessions_purged += purged;
    run.webhooks_pruned += pruned;
  }
  store_.record_retention_run(run);
  return run;
}

}  // namespace inereg::sessions
