#include "sessions/workflow.hpp"

namespace inereg::sessions {

int SessionWorkflow::expire(TimeMs created_before, TimeMs now, int limit) {
  const std::array<std::string_view, 2> expirable = {status_name(kExpirableStatuses[0]),
                                                     status_name(kExpirableStatuses[1])};
  const auto tx = store_.begin_write();
  // Locked, skipping sessions another node is sweeping (or a submit is changing): no
  // session is decided twice.
  const std::vector<store::Session> open = tx->lock_sessions_created_before(expirable, created_before, limit);
  std::vector<store::Session> decided;
  decided.reserve(open.size());  // the updates and changes below point into it
  std::vector<store::SessionUpdate> updates;
  for (const auto& session : open) {
    if (auto after = apply_event(session, Event::kExpiryDue, now)) {
      decided.push_back(std::move(*after));
      updates.push_back(store::SessionUpdate{&decided.back(), session.status});
    }
  }
  const std::vector<bool> applied = tx->update_sessions(updates);
  std::vector<Change> changes;
  for (std::size_t i = 0; i < decided.size(); ++i) {
    if (applied[i]) {
      changes.push_back(Change{store::SessionChange::Kind::kDecided, &decided[i]});
    }
  }
  queue_webhooks(*tx, changes, now);
  tx->commit();
  return static_cast<int>(changes.size());
}

}  // namespace inereg::sessions
