// Re-checks of decided sessions (issue 17): queuing them, and recording what the
// registry says now beside — never over — what it said at verification.
#include <stdexcept>
#include <unordered_map>

#include "sessions/workflow.hpp"

namespace inereg::sessions {

bool verdict_changed(const store::IneResult& before, const store::IneResult& after) {
  return before.active != after.active || before.document_state != after.document_state;
}

std::int64_t SessionWorkflow::request_rechecks(store::RecheckSelection which, std::string_view requested_by,
                                               TimeMs now) {
  std::int64_t queued = 0;
  while (true) {
    const auto tx = store_.begin_write();
    const auto ids = tx->find_recheck_candidates(which);
    std::vector<store::NewRecheck> rechecks;
    rechecks.reserve(ids.size());
    for (const auto& id : ids) {
      rechecks.push_back(store::NewRecheck{id, std::string(requested_by), now});
    }
    tx->insert_rechecks(rechecks);
    tx->commit();
    queued += static_cast<std::int64_t>(ids.size());
    if (static_cast<int>(ids.size()) < which.limit) {
      return queued;
    }
    which.after_session_id = ids.back();
  }
}

std::vector<RecheckRecorded> SessionWorkflow::complete_rechecks(std::string_view owner,
                                                                std::span<const RecheckAnswer> answers, TimeMs now) {
  if (answers.empty()) {
    return {};
  }
  const auto tx = store_.begin_write();
  // Read before the answers are recorded: each is compared with the verdict before it.
  std::vector<std::string> answered;
  for (const auto& answer : answers) {
    if (answer.verdict) {
      answered.push_back(answer.session_id);
    }
  }
  std::unordered_map<std::string, store::IneResult> latest;
  for (auto& baseline : tx->recheck_baselines(answered)) {
    latest.emplace(baseline.session_id, baseline.latest.value_or(baseline.original));
  }
  std::vector<store::RecheckRecord> records;
  records.reserve(answers.size());
  for (const auto& answer : answers) {
    store::RecheckRecord record{answer.claim, now,   store::recheck_outcome::kNoAnswer,
                                std::nullopt, false, answer.source};
    if (answer.verdict) {
      record.outcome = store::recheck_outcome::kVerdict;
      record.result = answer.verdict;
      record.result->checked_at = now;
      const auto before = latest.find(answer.session_id);
      // A re-check row exists only for a session with a result (find_recheck_candidates),
      // and both go with the session: no baseline means the session was deleted, and
      // the guard below refuses the record.
      record.changed = before != latest.end() && verdict_changed(before->second, *record.result);
    }
    records.push_back(std::move(record));
  }
  const std::vector<bool> recorded = tx->finish_claimed_rechecks(owner, records);
  std::vector<std::string> changed_ids;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (recorded[i] && records[i].changed) {
      changed_ids.push_back(answers[i].session_id);
    }
  }
  if (!changed_ids.empty()) {
    std::unordered_map<std::string, store::Session> sessions;
    for (auto& session : tx->find_sessions(changed_ids)) {
      sessions.emplace(session.id, std::move(session));
    }
    std::vector<Change> changes;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (!recorded[i] || !records[i].changed) {
        continue;
      }
      const auto session = sessions.find(answers[i].session_id);
      if (session == sessions.end()) {
        throw std::logic_error("session " + answers[i].session_id + " has a recorded re-check but no row");
      }
      changes.push_back(Change{store::SessionChange::Kind::kVerdictChanged, &session->second, &*records[i].result,
                               &latest.at(answers[i].session_id)});
    }
    queue_webhooks(*tx, changes, now);
  }
  tx->commit();
  std::vector<RecheckRecorded> outcomes;
  outcomes.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!recorded[i]) {
      outcomes.push_back(RecheckRecorded::kClaimLost);
    } else if (!records[i].result) {
      outcomes.push_back(RecheckRecorded::kNoAnswer);
    } else {
      outcomes.push_back(records[i].changed ? RecheckRecorded::kVerdictChanged : RecheckRecorded::kSameVerdict);
    }
  }
  return outcomes;
}

std::vector<bool> SessionWorkflow::retry_rechecks(std::string_view owner,
                                                  std::span<const store::RecheckRetry> retries) {
  if (retries.empty()) {
    return {};
  }
  const auto tx = store_.begin_write();
  auto applied = tx->retry_claimed_rechecks(owner, retries);
  tx->commit();
  return applied;
}

}  // namespace inereg::sessions
