#include "webhooks/payloads.hpp"

#include "veriff/webhooks.hpp"

namespace inereg::webhooks {

std::vector<store::WebhookDraft> WebhookPayloads::compose(const store::SessionChange& change) const {
  using Kind = store::SessionChange::Kind;
  std::vector<store::WebhookDraft> drafts;
  switch (change.kind) {
    case Kind::kStarted:
      drafts.push_back(
          {store::WebhookKind::kEvent, veriff::event_webhook(change.session, veriff::SessionEvent::kStarted)});
      break;
    case Kind::kSubmitted:
      drafts.push_back(
          {store::WebhookKind::kEvent, veriff::event_webhook(change.session, veriff::SessionEvent::kSubmitted)});
      break;
    case Kind::kChecked:
    case Kind::kDecided:
      if (change.result != nullptr) {
        drafts.push_back({store::WebhookKind::kIne, veriff::ine_webhook(change.session, *change.result)});
      }
      if (change.curp != nullptr) {
        drafts.push_back({store::WebhookKind::kCurp, veriff::curp_webhook(change.session, *change.curp)});
      }
      if (change.combined != nullptr) {
        drafts.push_back({store::WebhookKind::kIneCurp, veriff::combined_webhook(change.session, *change.combined)});
      }
      if (change.kind == Kind::kDecided) {
        // The change that decides records the session's last results: with both checks
        // `combined` holds them all, else the one result is this change's.
        const store::SessionCheckResults results =
            change.combined != nullptr
                ? *change.combined
                : store::SessionCheckResults{change.session.id,
                                             change.result ? std::optional(*change.result) : std::nullopt,
                                             change.curp ? std::optional(*change.curp) : std::nullopt};
        drafts.push_back({store::WebhookKind::kDecision, veriff::decision_webhook(change.session, results)});
      }
      break;
    case Kind::kVerdictChanged:
      drafts.push_back({store::WebhookKind::kIne,
                        veriff::ine_verdict_changed_webhook(change.session, *change.previous, *change.result)});
      break;
  }
  return drafts;
}

}  // namespace inereg::webhooks
