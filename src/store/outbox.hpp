#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"

// The webhook outbox as it crosses the store interface: where an integration wants its
// webhooks, the deliveries the session workflow queues with each session change, and
// their attempts. No HTTP, no SQL.
namespace inereg::store {

// The webhook URLs of an integration (veriff-api.md §5.1); "" = not configured.
struct WebhookUrls {
  std::string decision;
  std::string event;
  std::string ine;
  std::string curp = {};      // the CURP webhook (curp_registry)
  std::string ine_curp = {};  // the INE+CURP webhook (combined-ine-curp-registry)
  bool any() const { return !decision.empty() || !event.empty() || !ine.empty() || !curp.empty() || !ine_curp.empty(); }
};

enum class WebhookKind { kDecision, kEvent, kIne, kCurp, kIneCurp };

// "decision", "event", "ine", "curp", "ine_curp": as stored and as shown by the CLI.
std::string_view webhook_kind_name(WebhookKind kind);
std::optional<WebhookKind> webhook_kind_from_name(std::string_view name);
// The integration's URL for `kind` ("" when it has none).
const std::string& url_for(const WebhookUrls& urls, WebhookKind kind);

// A session's status change, as the session workflow sees it inside the transaction
// that makes it.
struct SessionChange {
  enum class Kind {
    kStarted,
    kSubmitted,
    kDecided,
    // A registry check recorded its result while another check of the session is still
    // running (no decision yet).
    kChecked,
    // A re-check's verdict differs from the one before it (`previous`); the session
    // itself did not change.
    kVerdictChanged,
  };
  Kind kind;
  const Session& session;               // as it is after the change
  const IneResult* result = nullptr;    // the INE result recorded by this change, if any
  const IneResult* previous = nullptr;  // kVerdictChanged: the verdict it replaces
  const CurpResult* curp = nullptr;     // the CURP result recorded by this change, if any
  // Set when this change completes the session's combined INE+CURP result (both checks
  // answered, or one of them can no longer answer): the results as they now are.
  const SessionCheckResults* combined = nullptr;
};

// One webhook body a change causes. `body` is the exact bytes to send and sign.
struct WebhookDraft {
  WebhookKind kind;
  std::string body;
};

// Builds the webhook bodies of a session change. The session workflow calls it inside
// the transaction that changes the session and queues the drafts whose kind the
// integration has a URL for, so a change and its webhooks commit (or vanish) together.
// Must be pure and fast (it runs while the transaction holds its locks) and
// thread-safe; an exception rolls the change back.
class OutboxComposer {
 public:
  virtual ~OutboxComposer() = default;
  virtual std::vector<WebhookDraft> compose(const SessionChange& change) const = 0;
};

enum class DeliveryState { kPending, kDelivered, kFailed };

// "pending", "delivered", "failed".
std::string_view delivery_state_name(DeliveryState state);
std::optional<DeliveryState> delivery_state_from_name(std::string_view name);

// One try at delivering: the receiver's HTTP status, or the transport error.
struct WebhookAttempt {
  TimeMs attempted_at = 0;
  std::optional<int> http_status;
  std::string error;  // "" when the receiver answered
  TimeMs duration_ms = 0;
};

// A due delivery leased to one worker: only the lease holder may record its outcome.
struct ClaimedDelivery {
  std::int64_t id = 0;
  std::string integration_id;
  std::string api_key;  // the integration's, sent as X-AUTH-CLIENT
  std::string session_id;
  WebhookKind kind = WebhookKind::kDecision;
  std::string url;
  std::string body;
  int attempts = 0;  // including this one
  TimeMs created_at = 0;
};

// A delivery as operators see it: never the body (personal data), only its size.
struct WebhookDelivery {
  std::int64_t id = 0;
  std::string integration_id;
  std::string session_id;
  WebhookKind kind = WebhookKind::kDecision;
  std::string url;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::optional<int> last_status;
  std::optional<std::string> last_error;
  TimeMs created_at = 0;
  std::optional<TimeMs> delivered_at;
  std::optional<std::int64_t> redelivery_of;  // the delivery this one re-sends
  std::int64_t body_bytes = 0;                // 0 once erased (the session was deleted)
  std::vector<WebhookAttempt> history;        // oldest first
};

struct DeliveryFilter {
  std::optional<std::string> session_id;
  std::optional<DeliveryState> state;
  int limit = 100;  // newest first
};

}  // namespace inereg::store
