// The session workflow's shared parts: creating a session, the transition of a stored
// session by an event, and queuing the webhooks of its changes. Each workflow has its
// own file: start.cpp, media_upload.cpp, submit.cpp, checks.cpp, rechecks.cpp,
// expiry.cpp, deletion.cpp, redelivery.cpp.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "auth/secret_box.hpp"
#include "media/image_content.hpp"
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
    : store_(store), composer_(std::move(composer)) {
  batch_where_the_store_does(submits_, &SessionWorkflow::submit_in);
  batch_where_the_store_does(starts_, &SessionWorkflow::start_in);
  batch_where_the_store_does(uploads_, &SessionWorkflow::add_media_in);
  batch_where_the_store_does(deletes_, &SessionWorkflow::delete_in);
}

SessionWorkflow::Batching SessionWorkflow::batching(Batched kind) const {
  const auto of = [](const auto& batches) {
    return batches ? Batching{.done = batches->stats(), .queued = batches->queued()} : Batching{};
  };
  switch (kind) {
    case Batched::kSubmit:
      return of(submits_);
    case Batched::kStart:
      return of(starts_);
    case Batched::kMedia:
      return of(uploads_);
    case Batched::kDelete:
      return of(deletes_);
  }
  return {};
}

store::Media new_media(std::string_view session_id, std::string_view context, std::string_view mimetype,
                       std::string_view bytes, TimeMs now) {
  store::Media media;
  media.id = auth::time_ordered_uuid_v4(now);
  media.session_id = std::string(session_id);
  media.context = std::string(context);
  media.mimetype = std::string(mimetype);
  media.size = static_cast<std::int64_t>(bytes.size());
  media.sha256 = media::sha256_hex(bytes);
  media.created_at = now;
  return media;
}

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
  // Each integration's URLs are read once per call: a completion batch of hundreds of
  // sessions mostly belongs to one or a few integrations, and a read per session was a
  // database round trip per check on PostgreSQL.
  std::unordered_map<std::string, store::WebhookUrls> urls_by_integration;
  for (const auto& change : changes) {
    const store::Session& session = *change.session;
    auto [found, first] = urls_by_integration.try_emplace(session.integration_id);
    if (first) {
      found->second = tx.webhook_urls(session.integration_id);
    }
    const store::WebhookUrls& urls = found->second;
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
