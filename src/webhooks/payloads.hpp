#pragma once

#include "store/outbox.hpp"

// Which webhooks a session change causes; their bodies are Veriff's (veriff/webhooks.hpp).
namespace inereg::webhooks {

// Composes, per change:
//  - started   -> the event webhook, code 7001;
//  - submitted -> the event webhook, code 7002;
//  - decided   -> the INE webhook when a registry check completed in the change, then
//                 the decision webhook;
//  - a re-check's verdict changed -> the INE webhook, eventType
//                 veriff::kIneVerdictChangedEvent (an inereg extension).
// Stateless and thread-safe.
class WebhookPayloads final : public store::OutboxComposer {
 public:
  std::vector<store::WebhookDraft> compose(const store::SessionChange& change) const override;
};

}  // namespace inereg::webhooks
