// The check pipeline's writes (checks/check_runner.cpp): verdicts, retries and document
// readings, each under the guard of its claim (owner + attempt count), so that only the
// current holder of a job's lease can finish it, once.
#include <stdexcept>
#include <unordered_map>

#include "ine/curp_status.hpp"
#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

// A job pending under a claim belongs to a submitted session: the job is queued by the
// submit and finished by the one decision. Anything else is a broken invariant; the
// transaction rolls back and the job is claimed again after its lease.
[[noreturn]] void throw_not_submitted(const std::string& session_id) {
  throw std::logic_error("session " + session_id + " has a claimed check but is not submitted");
}

// Whether every check the session gets passed: an active INE credential, an active CURP
// (a CURP without a record, like a Baja, does not pass).
bool checks_pass(store::RegistryChecks checks, const store::SessionCheckResults& results) {
  if (store::includes_ine(checks) && !(results.ine && results.ine->active)) {
    return false;
  }
  if (store::includes_curp(checks)) {
    const auto status = results.curp ? ine::curp_status_by_id(results.curp->status) : std::nullopt;
    if (!status || !status->active) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<bool> SessionWorkflow::complete_checks(std::string_view owner, std::span<const CheckVerdict> verdicts,
                                                   TimeMs now) {
  if (verdicts.empty()) {
    return {};
  }
  // A verdict either ends its job or, while another check is still due, retries it.
  std::vector<store::CheckClaim> finishing;
  std::vector<store::CheckRetry> retrying;
  for (const auto& verdict : verdicts) {
    if (verdict.retry_at) {
      retrying.push_back(store::CheckRetry{verdict.claim.session_id, verdict.claim.attempts, *verdict.retry_at});
    } else {
      finishing.push_back(verdict.claim);
    }
  }
  std::vector<bool> recorded;
  // One transaction, its body perhaps run on another thread (Store::write).
  store_.write([&](store::WriteTransaction& tx) {
    recorded.clear();
    const std::vector<bool> finished = tx.finish_claimed_checks(owner, finishing);
    const std::vector<bool> retried = tx.retry_claimed_checks(owner, retrying);
    recorded.reserve(verdicts.size());
    std::vector<std::string> ids;
    for (std::size_t i = 0, f = 0, r = 0; i < verdicts.size(); ++i) {
      recorded.push_back(verdicts[i].retry_at ? retried[r++] : finished[f++]);
      if (recorded.back()) {
        ids.push_back(verdicts[i].claim.session_id);
      }
    }
    std::unordered_map<std::string, store::Session> before;
    std::vector<std::string> with_both;
    for (auto& session : tx.find_sessions(ids)) {
      if (session.registry_checks == store::RegistryChecks::kBoth) {
        with_both.push_back(session.id);
      }
      before.emplace(session.id, std::move(session));
    }
    // Only a session that gets both checks can have a result recorded by an earlier claim.
    std::unordered_map<std::string, store::SessionCheckResults> earlier;
    for (auto& results : tx.find_check_results(with_both)) {
      earlier.emplace(results.session_id, std::move(results));
    }
    // Reserved: the changes below point into these.
    std::vector<store::Session> decided;
    std::vector<store::SessionResult> ine_results;
    std::vector<store::SessionCurpResult> curp_results;
    std::vector<store::SessionCheckResults> combined;
    decided.reserve(ids.size());
    ine_results.reserve(ids.size());
    curp_results.reserve(ids.size());
    combined.reserve(ids.size());
    std::vector<store::SessionUpdate> updates;
    std::vector<Change> changes;
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
      if (!recorded[i]) {
        continue;  // the lease was lost (expired and taken over) or the session deleted
      }
      const CheckVerdict& verdict = verdicts[i];
      const std::string& session_id = verdict.claim.session_id;
      const auto found = before.find(session_id);
      if (found == before.end() || !awaits_check(stored_status(found->second.status))) {
        throw_not_submitted(session_id);
      }
      const store::Session& session = found->second;
      store::SessionCheckResults results =
          earlier.contains(session_id) ? earlier.at(session_id) : store::SessionCheckResults{session_id, {}, {}};
      const store::IneResult* ine = nullptr;
      if (verdict.result) {
        ine_results.push_back(store::SessionResult{session_id, *verdict.result, verdict.sealed_answer});
        ine_results.back().result.checked_at = now;
        ine = &ine_results.back().result;
        results.ine = *ine;
      }
      const store::CurpResult* curp = nullptr;
      if (verdict.curp) {
        curp_results.push_back(store::SessionCurpResult{session_id, *verdict.curp});
        curp_results.back().result.checked_at = now;
        curp = &curp_results.back().result;
        results.curp = *curp;
      }
      if (verdict.retry_at) {
        changes.push_back(
            Change{.kind = store::SessionChange::Kind::kChecked, .session = &session, .result = ine, .curp = curp});
        continue;  // another check of the session is still due
      }
      auto after = apply_event(session, verdict_event(checks_pass(session.registry_checks, results)), now);
      if (!after) {
        throw_not_submitted(session_id);
      }
      decided.push_back(std::move(*after));
      const store::SessionCheckResults* both = nullptr;
      if (session.registry_checks == store::RegistryChecks::kBoth) {
        combined.push_back(std::move(results));
        both = &combined.back();
      }
      updates.push_back(store::SessionUpdate{&decided.back(), session.status});
      changes.push_back(Change{.kind = store::SessionChange::Kind::kDecided,
                               .session = &decided.back(),
                               .result = ine,
                               .curp = curp,
                               .combined = both});
    }
    for (std::size_t k = 0; const bool applied : tx.update_sessions(updates)) {
      if (!applied) {
        throw_not_submitted(decided[k].id);
      }
      ++k;
    }
    tx.insert_ine_results(ine_results);
    tx.insert_curp_results(curp_results);
    queue_webhooks(tx, changes, now);
    tx.commit();
  });
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
  // The INE check failed for good: a session getting both checks has its INE+CURP result
  // complete now, without an INE part.
  std::optional<store::SessionCheckResults> combined;
  if (decided->registry_checks == store::RegistryChecks::kBoth) {
    const auto found = tx->find_check_results(std::span(&session_id, 1));
    combined = found.empty() ? store::SessionCheckResults{session_id, {}, {}} : found.front();
  }
  const Change change{
      .kind = store::SessionChange::Kind::kDecided, .session = &*decided, .combined = combined ? &*combined : nullptr};
  queue_webhooks(*tx, std::span(&change, 1), now);
  tx->commit();
  return true;
}

}  // namespace inereg::sessions
