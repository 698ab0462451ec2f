#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <stdexcept>
#include <utility>

#include "sessions/batch.hpp"
#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

using store::DeleteRateLimit;

// The windows of the DELETE allowance and how many deletions each allows (0: no limit).
std::array<std::pair<TimeMs, int>, 2> windows(const DeleteRateLimit& limit) {
  return {{{DeleteRateLimit::kHourMs, limit.per_hour}, {DeleteRateLimit::kDayMs, limit.per_day}}};
}

}  // namespace

DeleteResult SessionWorkflow::delete_session(std::string_view session_id, std::string_view integration_id,
                                             const DeleteRateLimit& limit, TimeMs now) {
  DeleteCall call{.session_id = session_id, .integration_id = integration_id, .limit = &limit, .now = now};
  run(deletes_, &SessionWorkflow::delete_in, call);
  return call.result;
}

void SessionWorkflow::delete_in(store::WriteTransaction& tx, std::span<DeleteCall* const> calls) const {
  using Outcome = DeleteResult::Outcome;
  const TimeMs earliest = earliest_now(calls);
  // Per integration of the batch that exists: its most recent deletions, newest first —
  // the stored ones, then also those of the batch's earlier calls.
  std::map<std::string, std::vector<TimeMs>, std::less<>> recent;
  int counted = 0;  // the most any window of any call allows: how many stored ones matter
  for (DeleteCall* call : calls) {
    call->result = DeleteResult{Outcome::kNotFound};
    recent.try_emplace(std::string(call->integration_id));
    for (const auto& [window, allowed] : windows(*call->limit)) {
      counted = std::max(counted, allowed);
    }
  }
  // The integration's lock serializes its deletions across every node: the counts and
  // the deletes below cannot interleave with another's. Integrations are locked in id
  // order (the map's), then the sessions, in id order too.
  for (auto it = recent.begin(); it != recent.end();) {
    if (!tx.lock_integration(it->first)) {
      it = recent.erase(it);
      continue;
    }
    tx.prune_session_deletions(it->first, earliest - DeleteRateLimit::kDayMs);
    if (counted > 0) {
      it->second = tx.recent_deletions(it->first, earliest - DeleteRateLimit::kDayMs, counted);
    }
    ++it;
  }
  LockedSessions sessions(tx, session_ids_of(calls));
  std::vector<store::Session> decided;  // reserved: the changes point into it
  decided.reserve(calls.size());
  std::vector<Change> changes;
  std::vector<DeleteCall*> accepted;
  for (DeleteCall* call : calls) {
    const auto deletions = recent.find(call->integration_id);
    const store::Session* session = sessions.current(call->session_id);
    if (deletions == recent.end() || session == nullptr || session->integration_id != call->integration_id) {
      continue;  // not found, e.g. deleted meanwhile through another node or by this batch
    }
    if (!may_be_deleted(stored_status(session->status))) {
      call->result.outcome = Outcome::kNotDeletable;
      continue;
    }
    std::vector<TimeMs>& times = deletions->second;
    for (const auto& [window, allowed] : windows(*call->limit)) {
      if (allowed <= 0) {
        continue;  // no limit in this window
      }
      // The allowed-th most recent deletion inside the window: while there is one, the
      // window is full, until it leaves the window.
      const auto nth = static_cast<std::size_t>(allowed - 1);
      if (nth < times.size() && times[nth] > call->now - window) {
        call->result.outcome = Outcome::kRateLimited;
        call->result.retry_at = std::max(call->result.retry_at, times[nth] + window);
      }
    }
    if (call->result.outcome == Outcome::kRateLimited) {
      continue;  // the batch still commits: it keeps the pruning
    }
    // A session without a conclusive decision sends its decision webhook (expired or
    // abandoned), then the session's finished deliveries lose their bodies: the personal
    // data goes with the session.
    if (auto after = apply_event(*session, Event::kDelete, call->now)) {
      decided.push_back(std::move(*after));
      changes.push_back(Change{store::SessionChange::Kind::kDecided, &decided.back()});
    }
    sessions.remove(call->session_id);
    times.insert(std::upper_bound(times.begin(), times.end(), call->now, std::greater<>()), call->now);
    accepted.push_back(call);
  }
  queue_webhooks(tx, changes, earliest);
  for (const DeleteCall* call : accepted) {
    tx.erase_finished_delivery_bodies(call->session_id);
    if (!tx.delete_session(call->session_id, call->integration_id)) {
      throw std::logic_error("a locked session vanished under its lock");
    }
    tx.record_session_deletion(call->integration_id, call->session_id, call->now);
  }
  tx.commit();
  for (DeleteCall* call : accepted) {
    call->result.outcome = Outcome::kDeleted;
  }
}

}  // namespace inereg::sessions
