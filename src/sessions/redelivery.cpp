#include "sessions/workflow.hpp"

namespace inereg::sessions {

RedeliverResult SessionWorkflow::redeliver(std::int64_t delivery_id, TimeMs now) {
  using Outcome = RedeliverResult::Outcome;
  const auto tx = store_.begin_write();
  const auto original = tx->find_delivery(delivery_id);
  if (!original) {
    return RedeliverResult{Outcome::kNotFound};
  }
  if (original->body.empty()) {
    return RedeliverResult{Outcome::kBodyErased};  // the session was deleted
  }
  const store::WebhookUrls urls = tx->webhook_urls(original->integration_id);
  if (!original->kind || store::url_for(urls, *original->kind).empty()) {
    return RedeliverResult{Outcome::kNoUrl};
  }
  const store::NewDelivery copy{original->integration_id,
                                original->session_id,
                                *original->kind,
                                store::url_for(urls, *original->kind),
                                original->body,
                                now,
                                delivery_id};
  const auto ids = tx->insert_deliveries(std::span(&copy, 1));
  tx->commit();
  return RedeliverResult{Outcome::kQueued, ids.front()};
}

}  // namespace inereg::sessions
