#include "sessions/workflow.hpp"

namespace inereg::sessions {

int SessionWorkflow::purge_personal_data(std::string_view integration_id, TimeMs decided_before, TimeMs now,
                                         int limit) {
  const auto tx = store_.begin_write();
  // Locked, skipping sessions another node is purging: each is purged once.
  const std::vector<std::string> due = tx->lock_sessions_to_purge(integration_id, decided_before, limit);
  int purged = 0;
  for (const auto& session_id : due) {
    if (tx->purge_personal_data(session_id, now)) {
      ++purged;
    }
  }
  if (purged > 0) {
    tx->count_retention(integration_id, purged, 0, now);
  }
  tx->commit();
  return purged;
}

int SessionWorkflow::prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, TimeMs now,
                                              int limit) {
  const auto tx = store_.begin_write();
  const int pruned = tx->prune_delivered_webhooks(integration_id, delivered_before, limit);
  if (pruned > 0) {
    tx->count_retention(integration_id, 0, pruned, now);
  }
  tx->commit();
  return pruned;
}

}  // namespace inereg::sessions
