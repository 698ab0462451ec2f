#include <algorithm>
#include <utility>

#include "sessions/workflow.hpp"

namespace inereg::sessions {

DeleteResult SessionWorkflow::delete_session(std::string_view session_id, std::string_view integration_id,
                                             const store::DeleteRateLimit& limit, TimeMs now) {
  using Outcome = DeleteResult::Outcome;
  using store::DeleteRateLimit;
  DeleteResult result{Outcome::kNotFound};
  store_.write([&](store::WriteTransaction& tx) {
    // The integration's lock serializes its deletions across every node: the count and
    // the delete below cannot interleave with another's.
    if (!tx.lock_integration(integration_id)) {
      return;
    }
    const auto session = tx.lock_session(session_id);
    if (!session || session->integration_id != integration_id) {
      return;  // not found, e.g. deleted meanwhile through another node
    }
    if (!may_be_deleted(stored_status(session->status))) {
      result.outcome = Outcome::kNotDeletable;
      return;
    }
    tx.prune_session_deletions(integration_id, now - DeleteRateLimit::kDayMs);
    for (const auto& [window, allowed] :
         {std::pair{DeleteRateLimit::kHourMs, limit.per_hour}, std::pair{DeleteRateLimit::kDayMs, limit.per_day}}) {
      if (allowed <= 0) {
        continue;  // no limit in this window
      }
      // The allowed-th most recent deletion inside the window: while there is one, the
      // window is full, until it leaves the window.
      if (const auto nth = tx.nth_recent_deletion(integration_id, now - window, allowed - 1)) {
        result.outcome = Outcome::kRateLimited;
        result.retry_at = std::max(result.retry_at, *nth + window);
      }
    }
    if (result.outcome == Outcome::kRateLimited) {
      tx.commit();  // keeps the pruning
      return;
    }
    // A session without a conclusive decision sends its decision webhook (expired or
    // abandoned), then the session's finished deliveries lose their bodies: the personal
    // data goes with the session.
    if (const auto decided = apply_event(*session, Event::kDelete, now)) {
      const Change change{store::SessionChange::Kind::kDecided, &*decided};
      queue_webhooks(tx, std::span(&change, 1), now);
    }
    tx.erase_finished_delivery_bodies(session_id);
    if (!tx.delete_session(session_id, integration_id)) {
      return;
    }
    tx.record_session_deletion(integration_id, session_id, now);
    tx.commit();
    result.outcome = Outcome::kDeleted;
  });
  return result;
}

}  // namespace inereg::sessions
