#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ine/credential.hpp"

// Plain records that cross the store interface. No behaviour, no HTTP, no SQL.
namespace inereg::store {

using TimeMs = std::int64_t;  // milliseconds since the Unix epoch, UTC (same as util::TimeMs)

// Which registry checks an integration's sessions get (issue 16): the INE check, the
// CURP check (RENAPO), or both, as Veriff configures it per integration. A session keeps
// the setting it was created with. Stored and shown as "ine", "curp", "both".
enum class RegistryChecks { kIne, kCurp, kBoth };

inline bool includes_ine(RegistryChecks checks) {
  return checks != RegistryChecks::kCurp;
}
inline bool includes_curp(RegistryChecks checks) {
  return checks != RegistryChecks::kIne;
}
inline std::string_view registry_checks_name(RegistryChecks checks) {
  switch (checks) {
    case RegistryChecks::kIne:
      return "ine";
    case RegistryChecks::kCurp:
      return "curp";
    case RegistryChecks::kBoth:
      return "both";
  }
  return "ine";
}
inline std::optional<RegistryChecks> parse_registry_checks(std::string_view name) {
  for (const auto checks : {RegistryChecks::kIne, RegistryChecks::kCurp, RegistryChecks::kBoth}) {
    if (registry_checks_name(checks) == name) {
      return checks;
    }
  }
  return std::nullopt;
}

struct IntegrationSecret {
  std::int64_t id = 0;
  std::string sealed;  // SecretBox-sealed shared secret; the plaintext is never stored
  TimeMs created_at = 0;
};

struct Integration {
  std::string id;
  std::string name;
  std::string api_key;
  bool active = true;
  TimeMs created_at = 0;
  std::vector<IntegrationSecret> secrets;  // unrevoked secrets, newest first
  std::vector<std::string> cors_origins;   // browser origins allowed to create sessions (CORS), sorted
  // How long after a decided session's last registry check it is checked again (the
  // integration's recheck.interval); 0 = never by schedule (the default).
  TimeMs recheck_interval_ms = 0;
  RegistryChecks registry_checks = RegistryChecks::kIne;
  // Retention (integration set-retention; sessions::RetentionSweeper): how long after a
  // session's decision (for a session that expired: after its expiry) its personal data
  // is kept, and how long after delivery a delivered webhook row is kept. 0 = kept until
  // DELETE (the default).
  TimeMs retention_ms = 0;
  TimeMs delivered_webhook_retention_ms = 0;
};

// Why a session was decided resubmission_requested after reading its document images
// (sessions.decision_reason); veriff::decision_body maps each to Veriff's reason and
// reasonCode. "" = the status's usual reason.
namespace decision_reason {
inline constexpr const char* kDocumentUnreadable = "document_unreadable";  // no image gave a valid MRZ
inline constexpr const char* kDocumentMismatch = "document_mismatch";      // the MRZ contradicts the typed data
}  // namespace decision_reason

struct Session {
  std::string id;
  std::string integration_id;
  std::string status;      // a sessions::Status wire name (sessions/status.hpp)
  std::string attempt_id;  // set on submit
  std::optional<std::string> vendor_data;
  std::optional<std::string> end_user_id;
  std::optional<std::string> callback;
  std::string person_json = "{}";    // the create request's person object, compact JSON
  std::string document_json = "{}";  // the create request's document object, compact JSON
  bool ine_document = false;         // a Mexican INE credential: the registry check applies
  ine::Credential credential;
  TimeMs created_at = 0;
  std::optional<TimeMs> submitted_at;
  std::optional<TimeMs> decided_at;
  std::string decision_reason;                            // a decision_reason:: value, or ""
  RegistryChecks registry_checks = RegistryChecks::kIne;  // the integration's setting at creation
};

// A session's data key as stored (session_keys, migration 13): sealed under a key derived
// from the master key named by `key_id` (auth::KeyRing). Destroying the row makes the
// session's sealed personal data unreadable everywhere it was copied (crypto-shredding).
struct SessionKey {
  std::string session_id;
  std::string key_id;      // auth::master_key_id of the master key that sealed it
  std::string sealed_key;  // auth::SealedDataKey::sealed
};

// The outcome of a registry check, exactly as the ine-registry endpoint returns it.
struct IneResult {
  bool active = false;
  std::string document_state;
  int situation = 0;  // catalog id, kept for operators; never sent to clients
  TimeMs checked_at = 0;
  std::string source = {};  // the registry source that answered (registry::LookupOutcome::source)
  // What the source said of its answer (registry::LookupOutcome, with kVerdict): the
  // vendor's message code, the upstream's answer time, or the local snapshot's date.
  std::optional<int> message_code = {};
  std::optional<TimeMs> answered_at = {};
  std::optional<TimeMs> snapshot_at = {};
};

// What the registry said for a session's result, for the operator (`inereg registry
// answer`): the source and its answer body sealed by auth::AnswerBox ("" when none was
// kept, e.g. the local snapshot's verdicts).
struct RegistryAnswer {
  std::string source;
  std::string sealed_answer;
  TimeMs checked_at = 0;
};

// The outcome of a CURP check (RENAPO), as recorded for a session. The CURP itself is
// the session's (Session::credential.curp): it is not stored twice.
struct CurpResult {
  int status = 0;  // ine::CurpStatus id, or ine::kCurpNotFound (statusCurp null)
  TimeMs checked_at = 0;
  std::string source = {};  // as IneResult's
  std::optional<int> message_code = {};
  std::optional<TimeMs> answered_at = {};
  std::optional<TimeMs> snapshot_at = {};
};

// What GET ine-registry needs of a session, read in one query.
struct IneAnswer {
  std::string integration_id;
  std::string status;
  std::optional<IneResult> result;
  RegistryChecks registry_checks = RegistryChecks::kIne;
};

// What GET curp-registry and combined-ine-curp-registry need of a session, read in one
// query.
struct CheckAnswer {
  std::string integration_id;
  std::string status;
  RegistryChecks registry_checks = RegistryChecks::kIne;
  std::string curp;  // the session's CURP, "" when it has none
  std::optional<IneResult> ine;
  std::optional<CurpResult> curp_result;
};

// The registry results a session has recorded so far.
struct SessionCheckResults {
  std::string session_id;
  std::optional<IneResult> ine;
  std::optional<CurpResult> curp;
};

// A check job claimed under a lease: only the holder of the lease may complete it.
struct ClaimedCheck {
  std::string session_id;
  int attempts = 0;  // including this one
  ine::Credential credential;
  // The credential is to be read from the session's document images before the lookup
  // (sessions::SessionWorkflow::record_reading records what was read).
  bool read_document = false;
  // Set when the job is a re-check of a decided session (an ine_rechecks row), not the
  // session's own check: its answer goes to the re-check history, never to the session.
  std::optional<std::int64_t> recheck_id = std::nullopt;
  // The checks still to answer: those the session gets (Session::registry_checks) that
  // have no recorded result yet. A re-check asks the INE check only.
  bool ine_due = true;
  bool curp_due = false;
};

// What a job asks: the checks its session gets (`checks`) that have no result yet. A
// claim reads which results exist; a submit's new job has none (only a job writes one).
inline void set_due_checks(ClaimedCheck& job, RegistryChecks checks, bool has_ine_result, bool has_curp_result) {
  job.ine_due = includes_ine(checks) && !has_ine_result;
  job.curp_due = includes_curp(checks) && !has_curp_result;
}

// A job written already claimed (NewCheckJob::claimed_by): its first attempt,
// leased to `owner` until `until`, as Store::claim_checks would leave it. A submit takes
// one from the local check pipeline when it has room (sessions::CheckIntake), so its
// job skips the claim transaction and the wait for the dispatcher.
struct CheckLease {
  std::string owner;
  TimeMs until = 0;
};

// DELETE /v1/sessions/{id} allowance of one integration (veriff-api.md §4.6: 5 per hour,
// 10 per 24 hours). 0 = no limit in that window.
struct DeleteRateLimit {
  static constexpr TimeMs kHourMs = 3'600'000;
  static constexpr TimeMs kDayMs = 24 * kHourMs;
  int per_hour = 5;
  int per_day = 10;
};

// A claimed check to be tried again at `next_run_at`, under its claim's guard.
struct CheckRetry {
  std::string session_id;
  int attempts = 0;  // the claim's ClaimedCheck::attempts (store::CheckClaim)
  TimeMs next_run_at = 0;
};

// Re-checks of decided sessions (ine_rechecks, migration 9). A re-check is a job of the
// check pipeline while pending and an entry of the session's history once answered or
// given up; the session's own result (IneResult) and decision never change.
namespace recheck_by {
inline constexpr const char* kSchedule = "schedule";  // the integration's recheck.interval came due
inline constexpr const char* kOperator = "operator";  // `inereg registry recheck`
}  // namespace recheck_by
namespace recheck_outcome {
inline constexpr const char* kVerdict = "verdict";     // the registry answered with a catalog situation
inline constexpr const char* kNoAnswer = "no_answer";  // no verdict after every attempt: nothing changed
}  // namespace recheck_outcome

struct Recheck {
  std::int64_t id = 0;
  std::string session_id;
  std::string requested_by;  // a recheck_by:: value
  TimeMs requested_at = 0;
  std::optional<TimeMs> checked_at;  // when answered or given up; nullopt while pending
  std::string outcome;               // a recheck_outcome:: value; "" while pending
  std::optional<IneResult> result;   // with recheck_outcome::kVerdict
  bool changed = false;              // its verdict differs from the one before it
  std::string source;                // the registry source that answered, when known
};

// Which sessions with a registry result to re-check; every member set narrows.
struct RecheckSelection {
  std::optional<std::string> session_id;
  std::optional<std::string> integration_id;
  std::optional<TimeMs> decided_before;
  // Only sessions whose result and every re-check were requested at or before this, and
  // with no re-check pending: not checked since.
  std::optional<TimeMs> checked_at_or_before;
  std::string after_session_id;  // paging: session ids greater than this, ascending
  int limit = 500;
};

// A re-check to queue, due at `requested_at`.
struct NewRecheck {
  std::string session_id;
  std::string requested_by;
  TimeMs requested_at = 0;
};

// A claim of a re-check: its row and the claim's attempt count (as store::CheckClaim).
struct RecheckClaim {
  std::int64_t recheck_id = 0;
  int attempts = 0;
};

// What a claimed re-check came to, to record under its claim.
struct RecheckRecord {
  RecheckClaim claim;
  TimeMs checked_at = 0;
  std::string outcome;  // a recheck_outcome:: value
  std::optional<IneResult> result;
  bool changed = false;
  std::string source;
};

struct RecheckRetry {
  RecheckClaim claim;
  TimeMs next_run_at = 0;
};

// The verdicts a re-check of a session is compared with.
struct RecheckBaseline {
  std::string session_id;
  IneResult original;               // the session's own result
  std::optional<IneResult> latest;  // its newest re-check verdict, if any
};

// One row of the local registry snapshot.
struct RegistryEntry {
  std::string lookup_key;  // ine::LookupKey::canonical
  std::string model;       // C, D, E, F, G or H
  int situation = 0;
};

// The local snapshots' names in registry_snapshots (Store::set_snapshot_date).
inline constexpr std::string_view kIneSnapshot = "ine";
inline constexpr std::string_view kCurpSnapshot = "curp";

// One row of the local RENAPO snapshot. The CURP is never stored: only its keyed hash
// (HMAC-SHA256 under a key derived from the master key), so the table reveals nothing
// without the master key.
// One snapshot file of a local registry (issue 14): the file's name in
// registry.snapshot_dir, and what `registry status` shows of it.
struct SnapshotFileRecord {
  std::string file;
  std::int64_t row_count = 0;
  TimeMs imported_at = 0;
  std::string source_sha256;  // lowercase hex of the imported CSV's content
};

// Which snapshot file a local registry answers from (active), and the one it replaced
// (previous, for `registry rollback`). No active file: the legacy table
// (registry_entries), if it holds anything.
struct RegistrySnapshotState {
  std::optional<SnapshotFileRecord> active;
  std::optional<SnapshotFileRecord> previous;
};

struct CurpRegistryEntry {
  std::string curp_hash;  // lowercase hex
  int status = 0;         // ine::CurpStatus id
};

// What retention has purged so far (`inereg retention status`): per integration, and the
// cluster's last sweep.
struct RetentionCounts {
  std::string integration_id;
  std::int64_t sessions_purged = 0;  // sessions whose personal data was purged
  std::int64_t webhooks_pruned = 0;  // delivered webhook rows removed
  std::optional<TimeMs> last_purged_at;
  std::optional<TimeMs> last_pruned_at;
};
struct RetentionRun {
  TimeMs ran_at = 0;
  std::int64_t sessions_purged = 0;
  std::int64_t webhooks_pruned = 0;
};
struct RetentionReport {
  std::vector<RetentionCounts> integrations;  // those with anything purged or pruned, by id
  std::optional<RetentionRun> last_run;       // nullopt: no sweep ever ran on this database
};

// One uploaded media file, as listed (POST/GET /v1/sessions/{id}/media); no bytes.
struct Media {
  std::string id;
  std::string session_id;
  std::string context;    // document-front, document-back, face, ...
  std::string mimetype;   // sniffed from the bytes, never taken from the client
  std::int64_t size = 0;  // bytes of the decoded file
  std::string sha256;     // lowercase hex of the bytes
  TimeMs created_at = 0;
};

// A media file with its bytes, and the integration that owns its session.
struct MediaFile {
  Media media;
  std::string integration_id;
  std::string bytes;
};

// What an upload may not exceed (sessions::SessionWorkflow::add_media).
struct MediaLimits {
  std::int64_t max_files_per_session = 20;
  std::int64_t max_bytes_per_session = 100LL << 20;  // decoded bytes of all its files
};

}  // namespace inereg::store
