#pragma once

#include <array>
#include <optional>
#include <string_view>

// Every rule about a session's status (veriff-api.md §6.8): the statuses, their wire
// names, which status may follow which and on which event, and the questions the rest
// of inereg asks of a status. The workflows (sessions/workflow.hpp) apply them; the
// stores only keep the name. No HTTP, no SQL.
namespace inereg::sessions {

enum class Status {
  kCreated,                // POST /v1/sessions
  kStarted,                // the end user opened the verification URL
  kSubmitted,              // PATCH status=submitted: a check may be running
  kApproved,               // the registry check found the credential active
  kDeclined,               // the registry check found it inactive
  kResubmissionRequested,  // no credential could be checked (no data, unreadable, mismatch)
  kExpired,                // never started within the expiry period (or deleted so)
  kAbandoned,              // started (or asked to resubmit) and never finished
};

// What makes a session change status.
enum class Event {
  kStart,                // the end user opens the verification URL
  kSubmit,               // the integration submits the session
  kApprove,              // the registry check answered: active
  kDecline,              // the registry check answered: inactive
  kRequestResubmission,  // nothing to check: no credential data, an unreadable or contradicting document
  kExpiryDue,            // the expiry sweep finds the session open past its expiry period
  kDelete,               // DELETE /v1/sessions/{id} of a session without a conclusive decision
};

struct Transition {
  Status from;
  Event event;
  Status to;
};

// The one transition table. A status/event pair that is not here is refused.
inline constexpr std::array kTransitions = {
    Transition{Status::kCreated, Event::kStart, Status::kStarted},
    Transition{Status::kCreated, Event::kSubmit, Status::kSubmitted},
    Transition{Status::kStarted, Event::kSubmit, Status::kSubmitted},
    Transition{Status::kSubmitted, Event::kApprove, Status::kApproved},
    Transition{Status::kSubmitted, Event::kDecline, Status::kDeclined},
    Transition{Status::kSubmitted, Event::kRequestResubmission, Status::kResubmissionRequested},
    Transition{Status::kCreated, Event::kExpiryDue, Status::kExpired},
    Transition{Status::kStarted, Event::kExpiryDue, Status::kAbandoned},
    // Veriff sends `expired` (never started) or `abandoned` when a session without a
    // conclusive decision is deleted (veriff-api.md §4.6).
    Transition{Status::kCreated, Event::kDelete, Status::kExpired},
    Transition{Status::kStarted, Event::kDelete, Status::kAbandoned},
    Transition{Status::kResubmissionRequested, Event::kDelete, Status::kAbandoned},
};

// The status `event` leads to from `from`; nullopt when the table has no such step.
std::optional<Status> next_status(Status from, Event event);

// The wire name ("created", "resubmission_requested", ...), as stored and as sent.
std::string_view status_name(Status status);
// nullopt for a name that is not a status.
std::optional<Status> parse_status(std::string_view name);
// The stored name of a session the store handed over: an unknown name is a corrupt
// row or a newer release's status, and throws std::logic_error rather than guessing.
Status stored_status(std::string_view name);

// The statuses the expiry sweep decides (those with an Event::kExpiryDue step; checked
// at compile time). A pair, as the stores' sweep query binds them
// (WriteTransaction::lock_sessions_created_before).
inline constexpr std::array kExpirableStatuses = {Status::kCreated, Status::kStarted};

// Media may be uploaded while the session can still be submitted.
bool may_upload_media(Status status);
// Veriff deletes sessions that are not in progress (veriff-api.md §4.6): all but
// `submitted` (and `review`, which inereg never sets).
bool may_be_deleted(Status status);
// A conclusive or final decision was made (a decision webhook was due).
bool is_decided(Status status);
// The registry check of a submitted session has not answered yet.
bool awaits_check(Status status);
// The session was submitted and is decided: its registry checks ran as far as they
// could. (An expired or abandoned session was never submitted: no check ran.)
bool checks_over(Status status);

// The event of a registry verdict.
Event verdict_event(bool active);

// PATCH /v1/sessions/{id} accepts any Veriff status name in `verification.status`
// (and "review", a Veriff status inereg never sets) before refusing every transition
// but the one to `submitted`.
bool is_known_status_name(std::string_view name);

}  // namespace inereg::sessions
