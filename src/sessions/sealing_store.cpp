#include "sessions/sealing_store.hpp"

#include <string>
#include <unordered_map>
#include <utility>

#include "veriff/webhooks.hpp"

namespace inereg::sessions {
namespace {

using namespace inereg::store;  // NOLINT(google-build-using-namespace): this file implements store::Store

// The associated data of a sealed value: where it belongs.
std::string bound_to(std::string_view table, std::string_view row, std::string_view column) {
  std::string bound;
  bound.reserve(table.size() + row.size() + column.size() + 2);
  bound.append(table).append(":").append(row).append(":").append(column);
  return bound;
}

// Data keys opened for one call, by session id.
using OpenKeys = std::unordered_map<std::string, auth::DataKey>;

// The sealing rules, shared by the store and its write transactions.
class Rules {
 public:
  Rules(auth::KeyRing keys, auth::AnswerBox answers) : keys_(std::move(keys)), answers_(answers) {}

  const auth::KeyRing& keys() const { return keys_; }

  OpenKeys open_keys(const std::vector<SessionKey>& stored) const {
    OpenKeys opened;
    for (const auto& key : stored) {
      auto data_key = keys_.open(key.session_id, auth::SealedDataKey{key.key_id, key.sealed_key});
      if (!data_key) {
        // Not a wrong value, ever: a key no configured master key opens stops the call.
        throw StoreError("a session's data key does not open under the configured master key(s) (key id " + key.key_id +
                         ")");
      }
      opened.emplace(key.session_id, *data_key);
    }
    return opened;
  }

  static const auth::DataKey* find(const OpenKeys& keys, const std::string& session_id) {
    const auto found = keys.find(session_id);
    return found == keys.end() ? nullptr : &found->second;
  }

  static std::string open_text(const auth::DataKey& key, std::string_view sealed, const std::string& bound) {
    auto plain = key.open(sealed, bound);
    if (!plain) {
      throw StoreError("a sealed value does not open under its session's data key");
    }
    return std::move(*plain);
  }

  static void seal_credential(std::string_view id, ine::Credential& c, const auth::DataKey& key) {
    c.cic = key.seal(c.cic, bound_to("sessions", id, "cic"));
    c.citizen_id = key.seal(c.citizen_id, bound_to("sessions", id, "citizen_id"));
    c.ocr = key.seal(c.ocr, bound_to("sessions", id, "ocr"));
    c.elector_key = key.seal(c.elector_key, bound_to("sessions", id, "elector_key"));
    c.emission_number = key.seal(c.emission_number, bound_to("sessions", id, "emission_number"));
    c.curp = key.seal(c.curp, bound_to("sessions", id, "curp"));
  }

  static void open_credential(std::string_view id, ine::Credential& c, const auth::DataKey& key) {
    c.cic = open_text(key, c.cic, bound_to("sessions", id, "cic"));
    c.citizen_id = open_text(key, c.citizen_id, bound_to("sessions", id, "citizen_id"));
    c.ocr = open_text(key, c.ocr, bound_to("sessions", id, "ocr"));
    c.elector_key = open_text(key, c.elector_key, bound_to("sessions", id, "elector_key"));
    c.emission_number = open_text(key, c.emission_number, bound_to("sessions", id, "emission_number"));
    c.curp = open_text(key, c.curp, bound_to("sessions", id, "curp"));
  }

  static void seal_session(Session& s, const auth::DataKey& key) {
    s.person_json = key.seal(s.person_json, bound_to("sessions", s.id, "person_json"));
    s.document_json = key.seal(s.document_json, bound_to("sessions", s.id, "document_json"));
    if (s.vendor_data) {
      s.vendor_data = key.seal(*s.vendor_data, bound_to("sessions", s.id, "vendor_data"));
    }
    if (s.end_user_id) {
      s.end_user_id = key.seal(*s.end_user_id, bound_to("sessions", s.id, "end_user_id"));
    }
    seal_credential(s.id, s.credential, key);
  }

  static void open_session(Session& s, const auth::DataKey& key) {
    s.person_json = open_text(key, s.person_json, bound_to("sessions", s.id, "person_json"));
    s.document_json = open_text(key, s.document_json, bound_to("sessions", s.id, "document_json"));
    if (s.vendor_data) {
      s.vendor_data = open_text(key, *s.vendor_data, bound_to("sessions", s.id, "vendor_data"));
    }
    if (s.end_user_id) {
      s.end_user_id = open_text(key, *s.end_user_id, bound_to("sessions", s.id, "end_user_id"));
    }
    open_credential(s.id, s.credential, key);
  }

  static std::string media_bound(const Media& media) { return bound_to("media", media.id, "bytes"); }

  static void open_media(MediaFile& file, const OpenKeys& keys) {
    if (const auto* key = find(keys, file.media.session_id)) {
      auto plain = key->open_bytes(file.bytes, media_bound(file.media));
      if (!plain) {
        throw StoreError("a sealed media file does not open under its session's data key");
      }
      file.bytes = std::move(*plain);
    }
  }

  static std::string delivery_bound(std::string_view session_id, WebhookKind kind) {
    return bound_to("webhook_deliveries", session_id, webhook_kind_name(kind));
  }

  static std::string seal_body(const auth::DataKey& key, std::string_view session_id, WebhookKind kind,
                               std::string_view body) {
    std::string stored(kSealedBodyPrefix);
    stored += key.seal(body, delivery_bound(session_id, kind));
    stored += ':';
    stored += veriff::without_personal_data(body);
    return stored;
  }

  // The whole body while the session's key exists; without its personal parts after.
  static std::string open_body(const OpenKeys& keys, const std::string& session_id, WebhookKind kind,
                               std::string_view stored) {
    if (!stored.starts_with(kSealedBodyPrefix)) {
      return std::string(stored);  // queued before migration 13, or erased ("")
    }
    const auto rest = stored.substr(kSealedBodyPrefix.size());
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
      throw StoreError("a sealed webhook body is malformed");
    }
    if (const auto* key = find(keys, session_id)) {
      return open_text(*key, rest.substr(0, colon), delivery_bound(session_id, kind));
    }
    return std::string(rest.substr(colon + 1));
  }

  std::string seal_answer(const auth::DataKey& key, const std::string& session_id, std::string_view sealed) const {
    if (sealed.empty()) {
      return {};
    }
    auto answer = answers_.open(session_id, sealed);
    if (!answer) {
      throw StoreError("a registry answer does not open under the answer key");
    }
    return key.seal(*answer, bound_to("ine_results", session_id, "sealed_answer"));
  }

  std::string open_answer(const auth::DataKey& key, const std::string& session_id, std::string_view sealed) const {
    if (sealed.empty()) {
      return {};
    }
    return answers_.seal(session_id, open_text(key, sealed, bound_to("ine_results", session_id, "sealed_answer")));
  }

 private:
  auth::KeyRing keys_;
  auth::AnswerBox answers_;
};

template <typename Range, typename Id>
std::vector<std::string> ids_of(const Range& range, Id id) {
  std::vector<std::string> ids;
  ids.reserve(range.size());
  for (const auto& item : range) {
    ids.emplace_back(id(item));
  }
  return ids;
}

class SealingTransaction final : public WriteTransaction {
 public:
  SealingTransaction(std::unique_ptr<WriteTransaction> inner, std::shared_ptr<const Rules> rules)
      : owned_(std::move(inner)), inner_(owned_.get()), rules_(std::move(rules)) {}
  // Over a transaction someone else owns (Store::write's body).
  SealingTransaction(WriteTransaction& inner, std::shared_ptr<const Rules> rules)
      : inner_(&inner), rules_(std::move(rules)) {}

  void commit() override { inner_->commit(); }

  std::vector<Session> lock_sessions(std::span<const std::string> ids) override {
    auto sessions = inner_->lock_sessions(ids);
    open_sessions(sessions);
    return sessions;
  }

  std::vector<Session> find_sessions(std::span<const std::string> ids) override {
    auto sessions = inner_->find_sessions(ids);
    open_sessions(sessions);
    return sessions;
  }

  std::vector<Session> lock_sessions_created_before(std::span<const std::string_view, 2> statuses,
                                                    TimeMs created_before, int limit) override {
    auto sessions = inner_->lock_sessions_created_before(statuses, created_before, limit);
    open_sessions(sessions);
    return sessions;
  }

  void set_session_credential(std::string_view session_id, const ine::Credential& credential) override {
    const auto& keys = keys_of({std::string(session_id)});
    if (const auto* key = Rules::find(keys, std::string(session_id))) {
      ine::Credential sealed = credential;
      Rules::seal_credential(session_id, sealed, *key);
      inner_->set_session_credential(session_id, sealed);
      return;
    }
    inner_->set_session_credential(session_id, credential);
  }

  bool delete_session(std::string_view session_id, std::string_view integration_id) override {
    // Only the owner's session: delete it first, then shred its key in the same
    // transaction (the row also cascades; the explicit call is the crypto-shredding).
    if (!inner_->delete_session(session_id, integration_id)) {
      return false;
    }
    destroy_session_key(session_id);
    return true;
  }

  void insert_media(const Media& media, std::string_view bytes) override {
    const auto& keys = keys_of({media.session_id});
    if (const auto* key = Rules::find(keys, media.session_id)) {
      inner_->insert_media(media, key->seal_bytes(bytes, Rules::media_bound(media)));
      return;
    }
    inner_->insert_media(media, bytes);
  }

  void insert_ine_results(std::span<const SessionResult> results) override {
    const auto& keys = keys_of(ids_of(results, [](const SessionResult& r) { return r.session_id; }));
    std::vector<SessionResult> sealed(results.begin(), results.end());
    for (auto& result : sealed) {
      if (const auto* key = Rules::find(keys, result.session_id)) {
        result.sealed_answer = rules_->seal_answer(*key, result.session_id, result.sealed_answer);
      }
    }
    inner_->insert_ine_results(sealed);
  }

  std::vector<ClaimedCheck> claim_rechecks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
    auto claimed = inner_->claim_rechecks(owner, now, lease_ms, limit);
    const auto& keys = keys_of(ids_of(claimed, [](const ClaimedCheck& c) { return c.session_id; }));
    for (auto& check : claimed) {
      if (const auto* key = Rules::find(keys, check.session_id)) {
        Rules::open_credential(check.session_id, check.credential, *key);
      }
    }
    return claimed;
  }

  std::vector<std::int64_t> insert_deliveries(std::span<const NewDelivery> deliveries) override {
    const auto& keys = keys_of(ids_of(deliveries, [](const NewDelivery& d) { return d.session_id; }));
    std::vector<NewDelivery> sealed(deliveries.begin(), deliveries.end());
    for (auto& delivery : sealed) {
      if (const auto* key = Rules::find(keys, delivery.session_id)) {
        delivery.body = Rules::seal_body(*key, delivery.session_id, delivery.kind, delivery.body);
      }
    }
    return inner_->insert_deliveries(sealed);
  }

  std::optional<StoredDelivery> find_delivery(std::int64_t delivery_id) override {
    auto delivery = inner_->find_delivery(delivery_id);
    if (delivery && delivery->kind) {
      const auto& keys = keys_of({delivery->session_id});
      delivery->body = Rules::open_body(keys, delivery->session_id, *delivery->kind, delivery->body);
    }
    return delivery;
  }

  std::vector<bool> update_sessions(std::span<const SessionUpdate> updates) override {
    return inner_->update_sessions(updates);
  }
  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    return inner_->find_session_keys(ids);
  }
  void destroy_session_key(std::string_view session_id) override {
    inner_->destroy_session_key(session_id);
    opened_.erase(std::string(session_id));  // nothing later in the transaction seals with it
  }
  bool reseal_session_key(const SessionKey& key, std::string_view expected_key_id) override {
    return inner_->reseal_session_key(key, expected_key_id);
  }
  bool reseal_integration_secret(std::int64_t secret_id, std::string_view expected_sealed,
                                 std::string_view sealed) override {
    return inner_->reseal_integration_secret(secret_id, expected_sealed, sealed);
  }
  std::vector<MediaUsage> media_usages(std::span<const std::string> ids) override { return inner_->media_usages(ids); }
  std::vector<std::string> sessions_with_readable_document(std::span<const std::string> ids) override {
    return inner_->sessions_with_readable_document(ids);
  }
  void delete_media(std::string_view session_id, std::string_view context) override {
    inner_->delete_media(session_id, context);
  }
  int count_unreadable_photo(std::string_view session_id) override {
    return inner_->count_unreadable_photo(session_id);
  }
  void clear_unreadable_photos(std::string_view session_id) override { inner_->clear_unreadable_photos(session_id); }
  void insert_check_jobs(std::span<const NewCheckJob> jobs) override { inner_->insert_check_jobs(jobs); }
  std::vector<bool> finish_claimed_checks(std::string_view owner, std::span<const CheckClaim> claims) override {
    return inner_->finish_claimed_checks(owner, claims);
  }
  std::vector<bool> retry_claimed_checks(std::string_view owner, std::span<const CheckRetry> retries) override {
    return inner_->retry_claimed_checks(owner, retries);
  }
  bool release_read_check(std::string_view owner, const CheckClaim& claim, TimeMs now) override {
    return inner_->release_read_check(owner, claim, now);
  }
  void insert_curp_results(std::span<const SessionCurpResult> results) override {
    inner_->insert_curp_results(results);
  }
  std::vector<SessionCheckResults> find_check_results(std::span<const std::string> ids) override {
    return inner_->find_check_results(ids);
  }
  std::vector<std::string> find_recheck_candidates(const RecheckSelection& which) override {
    return inner_->find_recheck_candidates(which);
  }
  void insert_rechecks(std::span<const NewRecheck> rechecks) override { inner_->insert_rechecks(rechecks); }
  std::vector<RecheckBaseline> recheck_baselines(std::span<const std::string> session_ids) override {
    return inner_->recheck_baselines(session_ids);
  }
  std::vector<bool> finish_claimed_rechecks(std::string_view owner, std::span<const RecheckRecord> records) override {
    return inner_->finish_claimed_rechecks(owner, records);
  }
  std::vector<bool> retry_claimed_rechecks(std::string_view owner, std::span<const RecheckRetry> retries) override {
    return inner_->retry_claimed_rechecks(owner, retries);
  }
  std::int64_t lock_recheck_pace() override { return inner_->lock_recheck_pace(); }
  void set_recheck_pace(std::int64_t state_us) override { inner_->set_recheck_pace(state_us); }
  bool lock_integration(std::string_view integration_id) override { return inner_->lock_integration(integration_id); }
  WebhookUrls webhook_urls(std::string_view integration_id) override { return inner_->webhook_urls(integration_id); }
  void prune_session_deletions(std::string_view integration_id, TimeMs at_or_before) override {
    inner_->prune_session_deletions(integration_id, at_or_before);
  }
  std::vector<TimeMs> recent_deletions(std::string_view integration_id, TimeMs after, int limit) override {
    return inner_->recent_deletions(integration_id, after, limit);
  }
  void record_session_deletion(std::string_view integration_id, std::string_view session_id, TimeMs at) override {
    inner_->record_session_deletion(integration_id, session_id, at);
  }
  void erase_finished_delivery_bodies(std::string_view session_id) override {
    inner_->erase_finished_delivery_bodies(session_id);
  }
  std::vector<std::string> lock_sessions_to_purge(std::string_view integration_id, TimeMs decided_before,
                                                  int limit) override {
    return inner_->lock_sessions_to_purge(integration_id, decided_before, limit);
  }
  // The purge erases the session's personal columns, media and answers; destroying its
  // data key in the same transaction makes every copy left behind unreadable (free
  // pages, WAL, backups, PostgreSQL dead tuples), and pending webhooks go out without
  // their personal parts, as after a DELETE.
  bool purge_personal_data(std::string_view session_id, TimeMs now) override {
    if (!inner_->purge_personal_data(session_id, now)) {
      return false;
    }
    destroy_session_key(session_id);
    return true;
  }
  int prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, int limit) override {
    return inner_->prune_delivered_webhooks(integration_id, delivered_before, limit);
  }
  void count_retention(std::string_view integration_id, std::int64_t sessions_purged, std::int64_t webhooks_pruned,
                       TimeMs now) override {
    inner_->count_retention(integration_id, sessions_purged, webhooks_pruned, now);
  }

 private:
  // The data keys of `ids` (and of other sessions this transaction touched): each read
  // and opened once per transaction. A completion batch reads its sessions, then seals
  // their results and webhooks: without this, every key was read and opened two or three
  // times (300,000 key rows for 100,000 checks in the checks bench on PostgreSQL).
  const OpenKeys& keys_of(const std::vector<std::string>& ids) {
    std::vector<std::string> missing;
    for (const auto& id : ids) {
      if (!opened_.contains(id)) {
        missing.push_back(id);
      }
    }
    if (!missing.empty()) {
      opened_.merge(rules_->open_keys(inner_->find_session_keys(missing)));
    }
    return opened_;
  }

  void open_sessions(std::span<Session> sessions) {
    if (sessions.empty()) {
      return;
    }
    const auto& keys = keys_of(ids_of(sessions, [](const Session& s) { return s.id; }));
    for (auto& session : sessions) {
      if (const auto* key = Rules::find(keys, session.id)) {
        Rules::open_session(session, *key);
      }
    }
  }

  std::unique_ptr<WriteTransaction> owned_;  // begin_write's; none over Store::write's
  WriteTransaction* inner_;
  std::shared_ptr<const Rules> rules_;
  OpenKeys opened_;  // keys_of's
};

class SealingStore final : public Store {
 public:
  SealingStore(std::unique_ptr<Store> inner, auth::KeyRing keys, auth::AnswerBox answers)
      : inner_(std::move(inner)), rules_(std::make_shared<const Rules>(std::move(keys), answers)) {}

  std::unique_ptr<WriteTransaction> begin_write() override {
    return std::make_unique<SealingTransaction>(inner_->begin_write(), rules_);
  }

  void write(const std::function<void(WriteTransaction&)>& body) override {
    inner_->write([&](WriteTransaction& inner) {
      SealingTransaction tx(inner, rules_);
      body(tx);
    });
  }

  std::size_t workflow_batch_limit() const override { return inner_->workflow_batch_limit(); }

  void insert_session(const Session& session) override {
    auto [key, sealed_key] = rules_->keys().new_data_key(session.id);
    Session sealed = session;
    Rules::seal_session(sealed, key);
    inner_->insert_session_with_key(sealed, SessionKey{session.id, sealed_key.key_id, sealed_key.sealed});
  }

  std::optional<Session> find_session(std::string_view session_id) override {
    auto session = inner_->find_session(session_id);
    if (session) {
      const auto keys = keys_of({session->id});
      if (const auto* key = Rules::find(keys, session->id)) {
        Rules::open_session(*session, *key);
      }
    }
    return session;
  }

  std::optional<RegistryAnswer> find_registry_answer(std::string_view session_id) override {
    auto answer = inner_->find_registry_answer(session_id);
    if (answer) {
      const std::string id(session_id);
      const auto keys = keys_of({id});
      if (const auto* key = Rules::find(keys, id)) {
        answer->sealed_answer = rules_->open_answer(*key, id, answer->sealed_answer);
      }
    }
    return answer;
  }

  std::optional<CheckAnswer> find_check_answer(std::string_view session_id) override {
    auto answer = inner_->find_check_answer(session_id);
    if (answer) {
      const std::string id(session_id);
      const auto keys = keys_of({id});
      if (const auto* key = Rules::find(keys, id)) {
        answer->curp = Rules::open_text(*key, answer->curp, bound_to("sessions", id, "curp"));
      }
    }
    return answer;
  }

  std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
    auto claimed = inner_->claim_checks(owner, now, lease_ms, limit);
    if (claimed.empty()) {
      return claimed;
    }
    const auto keys = keys_of(ids_of(claimed, [](const ClaimedCheck& c) { return c.session_id; }));
    for (auto& check : claimed) {
      if (const auto* key = Rules::find(keys, check.session_id)) {
        Rules::open_credential(check.session_id, check.credential, *key);
      }
    }
    return claimed;
  }

  std::optional<MediaFile> find_media(std::string_view media_id) override {
    auto file = inner_->find_media(media_id);
    if (file) {
      Rules::open_media(*file, keys_of({file->media.session_id}));
    }
    return file;
  }

  std::vector<MediaFile> media_for_reading(std::string_view session_id) override {
    auto files = inner_->media_for_reading(session_id);
    if (!files.empty()) {
      const auto keys = keys_of({std::string(session_id)});
      for (auto& file : files) {
        Rules::open_media(file, keys);
      }
    }
    return files;
  }

  std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                        int limit) override {
    auto claimed = inner_->claim_webhook_deliveries(owner, now, lease_ms, limit);
    if (claimed.empty()) {
      return claimed;
    }
    const auto keys = keys_of(ids_of(claimed, [](const ClaimedDelivery& d) { return d.session_id; }));
    for (auto& delivery : claimed) {
      delivery.body = Rules::open_body(keys, delivery.session_id, delivery.kind, delivery.body);
    }
    return claimed;
  }

  void create_integration(const Integration& integration, std::string_view sealed_secret) override {
    inner_->create_integration(integration, sealed_secret);
  }
  std::optional<Integration> find_integration_by_api_key(std::string_view api_key) override {
    return inner_->find_integration_by_api_key(api_key);
  }
  std::optional<Integration> find_integration(std::string_view id) override { return inner_->find_integration(id); }
  std::vector<Integration> list_integrations() override { return inner_->list_integrations(); }
  std::int64_t add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                      TimeMs now) override {
    return inner_->add_integration_secret(integration_id, sealed_secret, now);
  }
  int revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) override {
    return inner_->revoke_older_integration_secrets(integration_id, now);
  }
  bool set_integration_active(std::string_view integration_id, bool active) override {
    return inner_->set_integration_active(integration_id, active);
  }
  bool set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) override {
    return inner_->set_integration_cors_origins(integration_id, origins);
  }
  std::vector<std::string> list_allowed_cors_origins() override { return inner_->list_allowed_cors_origins(); }
  bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) override {
    return inner_->set_integration_webhooks(integration_id, urls);
  }
  std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) override {
    return inner_->find_integration_webhooks(integration_id);
  }
  bool set_integration_recheck_interval(std::string_view integration_id, TimeMs interval_ms) override {
    return inner_->set_integration_recheck_interval(integration_id, interval_ms);
  }
  void insert_session_with_key(const Session& session, const SessionKey& key) override {
    inner_->insert_session_with_key(session, key);
  }
  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    return inner_->find_session_keys(ids);
  }
  std::vector<SessionKey> list_session_keys_not_under(std::string_view key_id, std::string_view after_session_id,
                                                      int limit) override {
    return inner_->list_session_keys_not_under(key_id, after_session_id, limit);
  }
  std::vector<IntegrationSecret> list_all_integration_secrets() override {
    return inner_->list_all_integration_secrets();
  }
  std::optional<IneAnswer> find_ine_answer(std::string_view session_id) override {
    return inner_->find_ine_answer(session_id);
  }
  std::vector<std::string> sessions_deleted_since(TimeMs since) override {
    return inner_->sessions_deleted_since(since);
  }
  bool set_integration_registry_checks(std::string_view integration_id, RegistryChecks checks) override {
    return inner_->set_integration_registry_checks(integration_id, checks);
  }
  std::int64_t pending_check_count() override { return inner_->pending_check_count(); }
  std::vector<Recheck> list_rechecks(std::string_view session_id) override { return inner_->list_rechecks(session_id); }
  void upsert_registry_entries(std::span<const RegistryEntry> entries) override {
    inner_->upsert_registry_entries(entries);
  }
  std::optional<int> find_registry_situation(std::string_view lookup_key) override {
    return inner_->find_registry_situation(lookup_key);
  }
  std::int64_t registry_entry_count() override { return inner_->registry_entry_count(); }
  void set_snapshot_date(std::string_view snapshot, TimeMs imported_at) override {
    inner_->set_snapshot_date(snapshot, imported_at);
  }
  std::optional<TimeMs> find_snapshot_date(std::string_view snapshot) override {
    return inner_->find_snapshot_date(snapshot);
  }
  void set_snapshot_key_id(std::string_view snapshot, std::string_view key_id) override {
    inner_->set_snapshot_key_id(snapshot, key_id);
  }
  std::optional<std::string> find_snapshot_key_id(std::string_view snapshot) override {
    return inner_->find_snapshot_key_id(snapshot);
  }
  void upsert_curp_registry_entries(std::span<const CurpRegistryEntry> entries) override {
    inner_->upsert_curp_registry_entries(entries);
  }
  std::optional<int> find_curp_registry_status(std::string_view curp_hash) override {
    return inner_->find_curp_registry_status(curp_hash);
  }
  std::int64_t curp_registry_entry_count() override { return inner_->curp_registry_entry_count(); }
  std::vector<Media> list_media(std::string_view session_id) override { return inner_->list_media(session_id); }
  int schema_version() override { return inner_->schema_version(); }
  bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                              DeliveryState next_state, TimeMs next_attempt_at) override {
    return inner_->record_webhook_attempt(delivery_id, owner, attempt, next_state, next_attempt_at);
  }
  std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) override {
    return inner_->list_webhook_deliveries(filter);
  }
  std::int64_t pending_webhook_count() override { return inner_->pending_webhook_count(); }
  bool set_integration_retention(std::string_view integration_id, TimeMs retention_ms,
                                 TimeMs delivered_webhook_retention_ms) override {
    return inner_->set_integration_retention(integration_id, retention_ms, delivered_webhook_retention_ms);
  }
  RetentionReport retention_report() override { return inner_->retention_report(); }
  void record_retention_run(const RetentionRun& run) override { inner_->record_retention_run(run); }
  RegistrySnapshotState find_registry_snapshot(std::string_view snapshot) override {
    return inner_->find_registry_snapshot(snapshot);
  }
  void activate_registry_snapshot(std::string_view snapshot, const SnapshotFileRecord& record) override {
    inner_->activate_registry_snapshot(snapshot, record);
  }
  bool rollback_registry_snapshot(std::string_view snapshot) override {
    return inner_->rollback_registry_snapshot(snapshot);
  }
  void clear_registry_entries() override { inner_->clear_registry_entries(); }

 private:
  OpenKeys keys_of(const std::vector<std::string>& ids) { return rules_->open_keys(inner_->find_session_keys(ids)); }

  std::unique_ptr<Store> inner_;
  std::shared_ptr<const Rules> rules_;
};

}  // namespace

std::unique_ptr<store::Store> make_sealing_store(std::unique_ptr<store::Store> inner, auth::KeyRing keys,
                                                 auth::AnswerBox answers) {
  return std::make_unique<SealingStore>(std::move(inner), std::move(keys), answers);
}

}  // namespace inereg::sessions
