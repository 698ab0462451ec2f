#include "api/result_cache.hpp"

#include <algorithm>
#include <functional>

namespace inereg::api {

ResultCache::ResultCache(std::int64_t ttl_ms, std::int64_t created_at)
    : ttl_ms_(ttl_ms), max_age_ms_(std::max(ttl_ms, kMaxAgeMs)), journal_from_(created_at - kJournalOverlapMs) {}

std::optional<ResultCache::SessionKey> ResultCache::key_of(std::string_view session_id) {
  if (session_id.size() != SessionKey::kLength) {
    return std::nullopt;
  }
  SessionKey key;
  std::copy(session_id.begin(), session_id.end(), key.chars.begin());
  return key;
}

ResultCache::Shard& ResultCache::shard_for(const SessionKey& key) {
  return shards_[KeyHash{}(key) % kShards];
}

std::optional<std::string> ResultCache::find(std::string_view session_id, std::string_view integration_id,
                                             std::int64_t now) {
  const auto key = key_of(session_id);
  if (!key || ttl_ms_ <= 0 || now >= served_until_.load(std::memory_order_acquire)) {
    return std::nullopt;
  }
  Shard& shard = shard_for(*key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(*key);
  if (it == shard.entries.end()) {
    return std::nullopt;
  }
  const Stored& stored = it->second;
  if (stored.expires_at <= now) {
    shard.entries.erase(it);
    return std::nullopt;
  }
  const std::string_view packed = stored.packed;
  if (packed.substr(0, stored.id_length) != integration_id) {
    return std::nullopt;
  }
  return std::string(packed.substr(stored.id_length));
}

ResultCache::Ticket ResultCache::reading(std::string_view session_id) {
  const auto key = key_of(session_id);
  if (!key) {
    return 0;  // never cached: put() drops it anyway
  }
  Shard& shard = shard_for(*key);
  std::lock_guard lock(shard.mutex);
  return shard.erasures;
}

void ResultCache::put(std::string_view session_id, const Entry& entry, std::int64_t now, Ticket ticket) {
  const auto key = key_of(session_id);
  if (!key || ttl_ms_ <= 0) {
    return;
  }
  Shard& shard = shard_for(*key);
  std::lock_guard lock(shard.mutex);
  if (shard.erasures != ticket) {
    return;  // an erase since the read: the result read may be of a deleted session
  }
  if (shard.entries.size() >= kMaxEntriesPerShard) {
    shard.entries.clear();
  }
  // Between 3/4 of the maximum age and the whole of it, spread by the id: sessions first
  // read together (a client walking its sessions, a restart) do not all expire in the
  // same millisecond, which made the store reads of their refills come in one burst.
  const auto spread = static_cast<std::size_t>(max_age_ms_ / 4);
  const auto shortened =
      spread == 0 ? 0 : static_cast<std::int64_t>((KeyHash{}(*key) ^ static_cast<std::size_t>(now)) % spread);
  shard.entries.insert_or_assign(
      *key, Stored{entry.integration_id + entry.body, entry.integration_id.size(), now + max_age_ms_ - shortened});
}

void ResultCache::erase(std::string_view session_id) {
  const auto key = key_of(session_id);
  if (!key) {
    return;
  }
  Shard& shard = shard_for(*key);
  std::lock_guard lock(shard.mutex);
  ++shard.erasures;
  shard.entries.erase(*key);
}

void ResultCache::sync(const DeletedSince& deleted_since, std::int64_t now) {
  if (ttl_ms_ <= 0) {
    return;
  }
  // Every deletion committed before `now` is in this read (its stamp is at or after
  // journal_from_ by the overlap's margin), so once they are erased the entries may be
  // served until now + ttl.
  for (const auto& session_id : deleted_since(journal_from_)) {
    erase(session_id);
  }
  journal_from_ = now - kJournalOverlapMs;
  served_until_.store(now + ttl_ms_, std::memory_order_release);
}

std::int64_t ResultCache::sync_interval_ms() const {
  return std::clamp<std::int64_t>(ttl_ms_ / 4, 1, kMaxSyncIntervalMs);
}

}  // namespace inereg::api
