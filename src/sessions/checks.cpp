// The check pipeline's writes (checks/check_runner.cpp): verdicts, retries and document
// readings, each under the guard of its claim (owner + attempt count), so that only the
// current holder of a job's lease can finish it, once.
#include <stdexcept>
#include <unordered_map>

#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

// A job pending under a claim belongs to a submitted session: the job is queued by the
// submit and finished by the one decision. Anything else is a broken invariant; the
// transaction rolls back and the job is claimed again after its lease.
[[noreturn]] void throw_not_submitted(const std::string& session_id) {
  throw std::logic_error("session " + session_id + " has a claimed check but is not submitted");
}

}  // namespace

std::vector<bool> SessionWorkflow::complete_checks(std::string_view owner, std::span<const CheckVerdict> verdicts,
                                                   TimeMs now) {
  if (verdicts.empty()) {
    return {};
  }
  std::vector<store::CheckClaim> claims;
  claims.reserve(verdicts.size());
  for (const auto& verdict : verdicts) {
    claims.push_back(verdict.claim);
  }
  const auto tx = store_.begin_write();
  std::vector<bool> recorded = tx->finish_claimed_checks(owner, claims);
  std::vector<std::string> finished;
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    if (recorded[i]) {
      finished.push_back(verdicts[i].claim.session_id);
    }
  }
  std::unordered_map<std::string, store::Session> before;
  for (auto& session : tx->find_sessions(finished)) {
    before.emplace(session.id, std::move(session));
  }
  // Reserved: the changes below point into these.
  std::vector<store::Session> decided;
  std::vector<store::SessionResult> results;
  decided.reserve(finished.size());
  results.reserve(finished.size());
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    if (!recorded[i]) {
      continue;  // the lease was lost (expired and taken over) or the session deleted
    }
    const std::string& session_id = verdicts[i].claim.session_id;
    const auto found = before.find(session_id);
    if (found == before.end()) {
      throw_not_submitted(session_id);
    }
    store::IneResult result = verdicts[i].result;
    result.checked_at = now;
    auto after = apply_event(found->second, verdict_event(result.active), now);
    if (!after) {
      throw_not_submitted(session_id);
    }
    decided.push_back(std::move(*after));
    results.push_back(store::SessionResult{session_id, result, verdicts[i].sealed_answer});
  }
  std::vector<store::SessionUpdate> updates;
  std::vector<Change> changes;
  for (std::size_t k = 0; k < decided.size(); ++k) {
    updates.push_back(store::SessionUpdate{&decided[k], before.at(decided[k].id).status});
    changes.push_back(Change{store::SessionChange::Kind::kDecided, &decided[k], &results[k].result});
  }
  for (std::size_t k = 0; const bool applied : tx->update_sessions(updates)) {
    if (!applied) {
      throw_not_submitted(decided[k].id);
    }
    ++k;
  }
  tx->insert_ine_results(results);
  queue_webhooks(*tx, changes, now);
  tx->commit();
  return recorded;
}

std::vector<bool> SessionWorkflow::retry_checks(std::string_view owner, std::span<const store::CheckRetry> retries) {
  if (retries.empty()) {
    return {};
  }
  const auto tx = store_.begin_write();
  auto applied = tx->retry_claimed_checks(owner, retries);
  tx->commit();
  return applied;
}

bool SessionWorkflow::record_reading(std::string_view owner, const DocumentReading& reading, TimeMs now) {
  const std::string& session_id = reading.claim.session_id;
  const auto tx = store_.begin_write();
  if (reading.credential) {
    // The credential read is looked up next, by whichever node claims the job first.
    if (!tx->release_read_check(owner, reading.claim, now)) {
      return false;  // the claim was lost (expired and taken over) or the session deleted
    }
    tx->set_session_credential(session_id, *reading.credential);
    tx->commit();
    return true;
  }
  if (!tx->finish_claimed_checks(owner, std::span(&reading.claim, 1)).front()) {
    return false;
  }
  const auto session = tx->lock_session(session_id);
  auto decided = session ? apply_event(*session, Event::kRequestResubmission, now) : std::nullopt;
  if (!decided) {
    throw_not_submitted(session_id);
  }
  decided->decision_reason = reading.decision_reason;
  if (!tx->update_session(*decided, session->status)) {
    throw_not_submitted(session_id);
  }
  const Change change{store::SessionChange::Kind::kDecided, &*decided};
  queue_webhooks(*tx, std::span(&change, 1), now);
  tx->commit();
  return true;
}

}  // namespace inereg::sessions
