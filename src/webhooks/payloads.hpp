#pragma once

#include "store/outbox.hpp"

// The webhook bodies inereg sends (veriff-api.md §5.4), built from the session as the
// store sees it inside the transaction that changes it. Every body is compact JSON
// written by api::to_json, so it is byte-equal to JavaScript's
// JSON.stringify(JSON.parse(body)) and verifiers that re-serialize (Veriff's demo)
// compute the same HMAC as those that sign the raw bytes.
namespace inereg::webhooks {

// Builds, per change:
//  - started   -> event webhook, code 7001, action "started";
//  - submitted -> event webhook, code 7002, action "submitted";
//  - decided   -> the INE webhook when a registry check completed in the change, then
//                 the decision webhook (the GET /v1/sessions/{id}/decision object).
// The INE webhook's `data.status` is a one-line Spanish summary of the answer, as in
// Veriff's sample: "La credencial es válida" when `active`, "La credencial no es
// válida" otherwise; `data.code` is 200 (the registry answered) and `data.details` is
// exactly the GET …/decision/ine-registry body.
// Stateless and thread-safe.
class WebhookPayloads final : public store::OutboxComposer {
 public:
  std::vector<store::WebhookDraft> compose(const store::SessionChange& change) const override;
};

// The INE webhook's data.status for an answer.
inline constexpr const char* kIneStatusValid = "La credencial es válida";
inline constexpr const char* kIneStatusNotValid = "La credencial no es válida";

}  // namespace inereg::webhooks
