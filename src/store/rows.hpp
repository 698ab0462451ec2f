#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/outbox.hpp"
#include "store/persistence.hpp"
#include "store/records.hpp"

// Row -> record mappings shared by the backends. Both backends' SQL (store/*/sql.hpp)
// select the same columns in the same order; a backend passes its own row type, which
// offers, by column index: text, optional_text, integer, optional_integer, boolean, and
// bytes (a BLOB/bytea column as raw bytes).
namespace inereg::store::rows {

// A stored registry_checks name; an unknown one is a corrupt row or a newer release's
// setting, and throws rather than guessing.
inline RegistryChecks registry_checks(const std::string& name) {
  const auto checks = parse_registry_checks(name);
  if (!checks) {
    throw std::logic_error("unknown registry_checks value in the database: " + name);
  }
  return *checks;
}

// The column values of a new check job (kInsertCheckJob(s) in both backends): due at
// `now` and unclaimed, or born claimed under `claimed_by` with exactly what a claim
// writes (owner, lease end, next run at the lease end, attempt 1).
struct CheckJobColumns {
  explicit CheckJobColumns(const NewCheckJob& job)
      : next_run_at(job.claimed_by != nullptr ? job.claimed_by->until : job.now),
        lease_owner(job.claimed_by != nullptr ? std::optional<std::string_view>(job.claimed_by->owner) : std::nullopt),
        lease_until(job.claimed_by != nullptr ? job.claimed_by->until : 0),
        attempts(job.claimed_by != nullptr ? 1 : 0) {}
  TimeMs next_run_at;
  std::optional<std::string_view> lease_owner;
  TimeMs lease_until;
  int attempts;
};

// file, row_count, imported_at, source_sha256, then the same four of the previous file.
template <typename Row>
RegistrySnapshotState registry_snapshot_state(const Row& row) {
  RegistrySnapshotState state;
  for (int first : {0, 4}) {
    if (auto file = row.optional_text(first)) {
      state.*(first == 0 ? &RegistrySnapshotState::active : &RegistrySnapshotState::previous) =
          SnapshotFileRecord{std::move(*file), row.optional_integer(first + 1).value_or(0),
                             row.optional_integer(first + 2).value_or(0), row.optional_text(first + 3).value_or("")};
    }
  }
  return state;
}

// id, integration_id, status, attempt_id, vendor_data, end_user_id, callback,
// person_json, document_json, ine_document, cic, citizen_id, ocr, elector_key,
// emission_number, curp, created_at, submitted_at, decided_at, decision_reason,
// registry_checks.
template <typename Row>
Session session(const Row& row) {
  Session s;
  s.id = row.text(0);
  s.integration_id = row.text(1);
  s.status = row.text(2);
  s.attempt_id = row.text(3);
  s.vendor_data = row.optional_text(4);
  s.end_user_id = row.optional_text(5);
  s.callback = row.optional_text(6);
  s.person_json = row.text(7);
  s.document_json = row.text(8);
  s.ine_document = row.boolean(9);
  s.credential.cic = row.text(10);
  s.credential.citizen_id = row.text(11);
  s.credential.ocr = row.text(12);
  s.credential.elector_key = row.text(13);
  s.credential.emission_number = row.text(14);
  s.credential.curp = row.text(15);
  s.created_at = row.integer(16);
  s.submitted_at = row.optional_integer(17);
  s.decided_at = row.optional_integer(18);
  s.decision_reason = row.text(19);
  s.registry_checks = registry_checks(row.text(20));
  return s;
}

// cic, citizen_id, ocr, elector_key, emission_number, curp from column `first`.
template <typename Row>
ine::Credential credential(const Row& row, int first) {
  ine::Credential c;
  c.cic = row.text(first);
  c.citizen_id = row.text(first + 1);
  c.ocr = row.text(first + 2);
  c.elector_key = row.text(first + 3);
  c.emission_number = row.text(first + 4);
  c.curp = row.text(first + 5);
  return c;
}

// id, name, api_key, active, created_at, recheck_interval_ms, registry_checks, retention_ms,
// delivered_webhook_retention_ms.
template <typename Row>
Integration integration(const Row& row) {
  Integration integration;
  integration.id = row.text(0);
  integration.name = row.text(1);
  integration.api_key = row.text(2);
  integration.active = row.boolean(3);
  integration.created_at = row.integer(4);
  integration.recheck_interval_ms = row.integer(5);
  integration.registry_checks = registry_checks(row.text(6));
  integration.retention_ms = row.integer(7);
  integration.delivered_webhook_retention_ms = row.integer(8);
  return integration;
}

// active, document_state, situation, checked_at from column `first`; nullopt when
// `active` is NULL (no verdict: an outer join found no row, or a re-check without one).
template <typename Row>
std::optional<IneResult> optional_result(const Row& row, int first) {
  const auto active = row.optional_integer(first);
  if (!active) {
    return std::nullopt;
  }
  return IneResult{*active != 0, row.text(first + 1), static_cast<int>(row.integer(first + 2)), row.integer(first + 3)};
}

// id, session_id, requested_by, requested_at, checked_at, outcome, active,
// document_state, situation, changed, source.
template <typename Row>
Recheck recheck(const Row& row) {
  Recheck r;
  r.id = row.integer(0);
  r.session_id = row.text(1);
  r.requested_by = row.text(2);
  r.requested_at = row.integer(3);
  r.checked_at = row.optional_integer(4);
  r.outcome = row.text(5);
  if (const auto active = row.optional_integer(6)) {
    r.result = IneResult{*active != 0, row.text(7), static_cast<int>(row.integer(8)), r.checked_at.value_or(0)};
  }
  r.changed = row.boolean(9);
  r.source = row.text(10);
  return r;
}

// From column `first`: the session's registry_checks and whether it has an INE and a
// CURP result; sets the claimed job's due checks.
template <typename Row>
void due_checks(const Row& row, int first, ClaimedCheck& check) {
  const RegistryChecks checks = registry_checks(row.text(first));
  set_due_checks(check, checks, row.boolean(first + 1), row.boolean(first + 2));
}

// A nullable INTEGER column holding an int (a message code).
template <typename Row>
std::optional<int> optional_int(const Row& row, int column) {
  const auto value = row.optional_integer(column);
  return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

// From column `first`: active, document_state, situation, checked_at, source,
// message_code, answered_at, snapshot_at (an INE result, or all NULL), then status,
// checked_at, source, message_code, answered_at, snapshot_at (a CURP result, or all NULL).
template <typename Row>
void check_results(const Row& row, int first, std::optional<IneResult>& ine, std::optional<CurpResult>& curp) {
  ine = optional_result(row, first);
  if (ine) {
    ine->source = row.text(first + 4);
    ine->message_code = optional_int(row, first + 5);
    ine->answered_at = row.optional_integer(first + 6);
    ine->snapshot_at = row.optional_integer(first + 7);
  }
  const int c = first + 8;
  if (row.optional_integer(c + 1)) {
    curp = CurpResult{static_cast<int>(row.integer(c)), row.integer(c + 1),          row.text(c + 2),
                      optional_int(row, c + 3),         row.optional_integer(c + 4), row.optional_integer(c + 5)};
  }
}

// integration_id, status, registry_checks, curp, then check_results' columns.
template <typename Row>
CheckAnswer check_answer(const Row& row) {
  CheckAnswer answer;
  answer.integration_id = row.text(0);
  answer.status = row.text(1);
  answer.registry_checks = registry_checks(row.text(2));
  answer.curp = row.text(3);
  check_results(row, 4, answer.ine, answer.curp_result);
  return answer;
}

// session id, then check_results' columns.
template <typename Row>
SessionCheckResults session_check_results(const Row& row) {
  SessionCheckResults results;
  results.session_id = row.text(0);
  check_results(row, 1, results.ine, results.curp);
  return results;
}

// id, session_id, context, mimetype, size, sha256, created_at.
template <typename Row>
Media media(const Row& row) {
  Media media;
  media.id = row.text(0);
  media.session_id = row.text(1);
  media.context = row.text(2);
  media.mimetype = row.text(3);
  media.size = row.integer(4);
  media.sha256 = row.text(5);
  media.created_at = row.integer(6);
  return media;
}

// media's columns, then integration_id and bytes.
template <typename Row>
MediaFile media_file(const Row& row) {
  return MediaFile{media(row), row.text(7), row.bytes(8)};
}

// d.id, d.integration_id, i.api_key, d.session_id, d.kind, d.url, d.body, d.attempts,
// d.created_at.
template <typename Row>
ClaimedDelivery claimed_delivery(const Row& row) {
  ClaimedDelivery d;
  d.id = row.integer(0);
  d.integration_id = row.text(1);
  d.api_key = row.text(2);
  d.session_id = row.text(3);
  d.kind = webhook_kind_from_name(row.text(4)).value_or(WebhookKind::kDecision);
  d.url = row.text(5);
  d.body = row.text(6);
  d.attempts = static_cast<int>(row.integer(7));
  d.created_at = row.integer(8);
  return d;
}

// id, integration_id, session_id, kind, url, state, attempts, next_attempt_at,
// last_status, last_error, created_at, delivered_at, redelivery_of, body length.
template <typename Row>
WebhookDelivery delivery(const Row& row) {
  WebhookDelivery d;
  d.id = row.integer(0);
  d.integration_id = row.text(1);
  d.session_id = row.text(2);
  d.kind = webhook_kind_from_name(row.text(3)).value_or(WebhookKind::kDecision);
  d.url = row.text(4);
  d.state = delivery_state_from_name(row.text(5)).value_or(DeliveryState::kPending);
  d.attempts = static_cast<int>(row.integer(6));
  d.next_attempt_at = row.integer(7);
  if (const auto status = row.optional_integer(8)) {
    d.last_status = static_cast<int>(*status);
  }
  d.last_error = row.optional_text(9);
  d.created_at = row.integer(10);
  d.delivered_at = row.optional_integer(11);
  d.redelivery_of = row.optional_integer(12);
  d.body_bytes = row.integer(13);
  return d;
}

// attempted_at, http_status, error, duration_ms.
template <typename Row>
WebhookAttempt attempt(const Row& row) {
  WebhookAttempt attempt;
  attempt.attempted_at = row.integer(0);
  if (const auto status = row.optional_integer(1)) {
    attempt.http_status = static_cast<int>(*status);
  }
  attempt.error = row.optional_text(2).value_or("");
  attempt.duration_ms = row.integer(3);
  return attempt;
}

// integration_id, session_id, kind, body.
template <typename Row>
StoredDelivery stored_delivery(const Row& row) {
  return StoredDelivery{row.text(0), row.text(1), webhook_kind_from_name(row.text(2)), row.text(3)};
}

}  // namespace inereg::store::rows
