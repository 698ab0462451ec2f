#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/connection_pool.hpp"
#include "store/store.hpp"

struct sqlite3;

namespace inereg::store::sqlite {

class Connection;

// The embedded backend: one SQLite file in WAL mode, a small pool of connections
// (one per concurrent caller; SQLite serializes writers itself, BEGIN IMMEDIATE
// avoids upgrade deadlocks). Prepared statements are cached per connection.
class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the file and, with kApply, applies pending migrations;
  // with kRequireCurrent it throws StoreError when the schema is behind. Opens
  // pool_size(pool) connections.
  SqliteStore(const std::string& path, const PoolOptions& pool, Migrations migrations = Migrations::kApply);
  ~SqliteStore() override;

  void create_integration(const Integration& integration, std::string_view sealed_secret) override;
  std::optional<Integration> find_integration_by_api_key(std::string_view api_key) override;
  std::optional<Integration> find_integration(std::string_view id) override;
  std::vector<Integration> list_integrations() override;
  std::int64_t add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                      TimeMs now) override;
  int revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) override;
  bool set_integration_active(std::string_view integration_id, bool active) override;
  bool set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) override;
  std::vector<std::string> list_allowed_cors_origins() override;

  void insert_session(const Session& session) override;
  std::optional<Session> find_session(std::string_view session_id) override;
  SubmitOutcome submit_session(std::string_view session_id, std::string_view attempt_id, const SubmitPlan& plan,
                               std::string_view decision_status_without_check, TimeMs now) override;
  DeleteOutcome delete_session_rate_limited(std::string_view session_id, std::string_view integration_id,
                                            const DeleteRateLimit& limit, TimeMs now) override;
  std::optional<IneAnswer> find_ine_answer(std::string_view session_id) override;

  std::int64_t pending_check_count() override;
  std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override;
  std::vector<bool> complete_checks(std::string_view owner, std::span<const CheckCompletion> batch,
                                    TimeMs now) override;
  std::vector<bool> retry_checks(std::string_view owner, std::span<const CheckRetry> batch) override;

  void upsert_registry_entries(std::span<const RegistryEntry> entries) override;
  std::optional<int> find_registry_situation(std::string_view lookup_key) override;
  std::int64_t registry_entry_count() override;

  MediaInsertOutcome insert_media(const Media& media, std::string_view bytes, const MediaLimits& limits) override;
  std::vector<Media> list_media(std::string_view session_id) override;
  std::optional<MediaFile> find_media(std::string_view media_id) override;
  std::vector<MediaFile> media_for_reading(std::string_view session_id) override;

  bool record_document_reading(std::string_view owner, const DocumentReadingRecord& record, TimeMs now) override;

  int schema_version() override;

  bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) override;
  std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) override;
  StartOutcome start_session(std::string_view session_id, std::string_view attempt_id, TimeMs now) override;
  int expire_sessions(TimeMs created_before, TimeMs now, int limit) override;
  std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                        int limit) override;
  bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                              DeliveryState next_state, TimeMs next_attempt_at) override;
  std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) override;
  RedeliverResult redeliver_webhook(std::int64_t delivery_id, TimeMs now) override;
  std::int64_t pending_webhook_count() override;

 private:
  // Queues the webhooks of `kind` for the session as it now is in this transaction
  // (after `adjust`, if given; nothing when it returns false); see OutboxComposer.
  void queue_webhooks(Connection& connection, std::string_view session_id, SessionChange::Kind kind,
                      const IneResult* result, TimeMs now, bool (*adjust)(Session&, TimeMs) = nullptr);
  class Lease;
  Lease acquire();
  void release(Connection* connection);
  void migrate(Connection& connection);
  // Throws StoreError (naming `inereg migrate`) when the schema is behind this build.
  void require_current(Connection& connection);
  void load_secrets(Connection& connection, Integration& integration);
  void load_cors_origins(Connection& connection, Integration& integration);
  // The integration selected by `sql` (one text parameter), with its secrets.
  std::optional<Integration> find_integration_where(std::string_view sql, std::string_view value);

  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::mutex mutex_;
  std::condition_variable idle_available_;
  PoolOptions pool_;
};

}  // namespace inereg::store::sqlite
