#include "sessions/status.hpp"

#include <stdexcept>
#include <string>

namespace inereg::sessions {
namespace {

constexpr std::array kAllStatuses = {Status::kCreated,  Status::kStarted,  Status::kSubmitted,
                                     Status::kApproved, Status::kDeclined, Status::kResubmissionRequested,
                                     Status::kExpired,  Status::kAbandoned};

constexpr bool expirable_statuses_match_the_table() {
  for (const Status status : kAllStatuses) {
    bool listed = false;
    for (const Status expirable : kExpirableStatuses) {
      listed = listed || expirable == status;
    }
    bool has_step = false;
    for (const auto& transition : kTransitions) {
      has_step = has_step || (transition.from == status && transition.event == Event::kExpiryDue);
    }
    if (listed != has_step) {
      return false;
    }
  }
  return true;
}
static_assert(expirable_statuses_match_the_table(), "kExpirableStatuses must list the kExpiryDue steps");

}  // namespace

std::optional<Status> next_status(Status from, Event event) {
  for (const auto& transition : kTransitions) {
    if (transition.from == from && transition.event == event) {
      return transition.to;
    }
  }
  return std::nullopt;
}

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kCreated:
      return "created";
    case Status::kStarted:
      return "started";
    case Status::kSubmitted:
      return "submitted";
    case Status::kApproved:
      return "approved";
    case Status::kDeclined:
      return "declined";
    case Status::kResubmissionRequested:
      return "resubmission_requested";
    case Status::kExpired:
      return "expired";
    case Status::kAbandoned:
      return "abandoned";
  }
  throw std::logic_error("unknown session status");
}

std::optional<Status> parse_status(std::string_view name) {
  for (const Status status : kAllStatuses) {
    if (status_name(status) == name) {
      return status;
    }
  }
  return std::nullopt;
}

Status stored_status(std::string_view name) {
  if (const auto status = parse_status(name)) {
    return *status;
  }
  throw std::logic_error("stored session status \"" + std::string(name) + "\" is not a status");
}

bool may_upload_media(Status status) {
  return next_status(status, Event::kSubmit).has_value();
}

bool may_be_deleted(Status status) {
  return status != Status::kSubmitted;
}

bool is_decided(Status status) {
  switch (status) {
    case Status::kCreated:
    case Status::kStarted:
    case Status::kSubmitted:
      return false;
    case Status::kApproved:
    case Status::kDeclined:
    case Status::kResubmissionRequested:
    case Status::kExpired:
    case Status::kAbandoned:
      return true;
  }
  return false;
}

bool awaits_check(Status status) {
  return status == Status::kSubmitted;
}

bool checks_over(Status status) {
  return status == Status::kApproved || status == Status::kDeclined || status == Status::kResubmissionRequested;
}

Event verdict_event(bool active) {
  return active ? Event::kApprove : Event::kDecline;
}

bool is_known_status_name(std::string_view name) {
  return parse_status(name).has_value() || name == "review";
}

}  // namespace inereg::sessions
