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
    case WebhookKind::kCurp:
      return "curp";
    case WebhookKind::kIneCurp:
      return "ine_curp";
  }
  return "decision";
}

std::optional<WebhookKind> webhook_kind_from_name(std::string_view name) {
  for (const auto kind :
       {WebhookKind::kDecision, WebhookKind::kEvent, WebhookKind::kIne, WebhookKind::kCurp, WebhookKind::kIneCurp}) {
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
    case WebhookKind::kCurp:
      return urls.curp;
    case WebhookKind::kIneCurp:
      return urls.ine_curp;
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

}  // namespace inereg::store
