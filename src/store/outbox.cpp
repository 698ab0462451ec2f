#include "store/outbox.hpp"

namespace inereg::store {

std::string_view webhook_kind_name(WebhookKind kind) {
  switch (kind) {
    case WebhookKind::kDecision:
      return "decision";
    case WebhookKind::kEvent:
      return "event";
    case WebhookKind::kIne:
      return "ine";
  }
  return "decision";
}

std::optional<WebhookKind> webhook_kind_from_name(std::string_view name) {
  for (const auto kind : {WebhookKind::kDecision, WebhookKind::kEvent, WebhookKind::kIne}) {
    if (webhook_kind_name(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

const std::string& url_for(const WebhookUrls& urls, WebhookKind kind) {
  switch (kind) {
    case WebhookKind::kDecision:
      return urls.decision;
    case WebhookKind::kEvent:
      return urls.event;
    case WebhookKind::kIne:
      return urls.ine;
  }
  return urls.decision;
}

std::string_view delivery_state_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryState> delivery_state_from_name(std::string_view name) {
  for (const auto state : {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kFailed}) {
    if (delivery_state_name(state) == name) {
      return state;
    }
  }
  return std::nullopt;
}

std::vector<QueuedWebhook> webhooks_to_queue(const OutboxComposer* composer, const SessionChange& change,
                                             const WebhookUrls& urls) {
  std::vector<QueuedWebhook> queued;
  if (composer == nullptr || !urls.any()) {
    return queued;  // nothing to build: most integrations poll instead
  }
  for (auto& draft : composer->compose(change)) {
    const std::string& url = url_for(urls, draft.kind);
    if (!url.empty()) {
      queued.push_back(QueuedWebhook{draft.kind, url, std::move(draft.body)});
    }
  }
  return queued;
}

bool decide_as_deleted(Session& session, TimeMs now) {
  namespace status = session_status;
  if (session.status == status::kCreated) {
    session.status = status::kExpired;
  } else if (session.status == status::kStarted || session.status == status::kResubmissionRequested) {
    session.status = status::kAbandoned;
  } else {
    return false;
  }
  session.decided_at = now;
  return true;
}

}  // namespace inereg::store
