// The session workflow's shared parts: creating a session, the transition of a stored
// session by an event, and queuing the webhooks of its changes. Each workflow has its
// own file: start.cpp, media_upload.cpp, submit.cpp, checks.cpp, rechecks.cpp,
// expiry.cpp, deletion.cpp, redelivery.cpp.
#include <stdexcept>

#include "sessions/workflow.hpp"

namespace inereg::sessions {

std::optional<store::Session> apply_event(const store::Session& session, Event event, TimeMs now) {
  const auto to = next_status(stored_status(session.status), event);
  if (!to) {
    return std::nullopt;
  }
  store::Session after = session;
  after.status = std::string(status_name(*to));
  if (*to == Status::kSubmitted) {
    after.submitted_at = now;
  }
  if (is_decided(*to)) {
    after.decided_at = now;
  }
  return after;
}

SessionWorkflow::SessionWorkflow(store::Store& store, std::shared_ptr<const store::OutboxComposer> composer)
    : store_(store), composer_(std::move(composer)) {}

store::Session SessionWorkflow::create(store::Session session) {
  session.status = std::string(status_name(Status::kCreated));
  store_.insert_session(session);
  return session;
}

void SessionWorkflow::queue_webhooks(store::WriteTransaction& tx, std::span<const Change> changes, TimeMs now) const {
  if (!composer_) {
    return;
  }
  std::vector<store::NewDelivery> deliveries;
  // A batch's sessions mostly belong to few integrations: their URLs are read once each
  // in a row of changes of one integration.
  std::string urls_of;
  store::WebhookUrls urls;
  for (const auto& change : changes) {
    const store::Session& session = *change.session;
    if (deliveries.empty() || urls_of != session.integration_id) {
      urls = tx.webhook_urls(session.integration_id);
      urls_of = session.integration_id;
    }
    if (!urls.any()) {
      continue;  // nothing to build: most integrations poll instead
    }
    for (auto& draft : composer_->compose(store::SessionChange{change.kind, session, change.result, change.previous,
                                                               change.curp, change.combined})) {
      const std::string& url = store::url_for(urls, draft.kind);
      if (!url.empty()) {
        deliveries.push_back(
            store::NewDelivery{session.integration_id, session.id, draft.kind, url, std::move(draft.body), now, {}});
      }
    }
  }
  if (!deliveries.empty()) {
    tx.insert_deliveries(deliveries);
  }
}

}  // namespace inereg::sessions
