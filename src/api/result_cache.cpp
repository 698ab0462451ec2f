#include "api/result_cache.hpp"

#include <functional>

namespace inereg::api {

ResultCache::Shard& ResultCache::shard_for(std::string_view session_id) {
  return shards_[std::hash<std::string_view>{}(session_id) % kShards];
}

std::shared_ptr<const ResultCache::Entry> ResultCache::find(std::string_view session_id, std::int64_t now) {
  if (ttl_ms_ <= 0) {
    return nullptr;
  }
  Shard& shard = shard_for(session_id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(session_id);
  if (it == shard.entries.end()) {
    return nullptr;
  }
  if (it->second.expires_at <= now) {
    shard.entries.erase(it);
    return nullptr;
  }
  return it->second.entry;
}

void ResultCache::put(std::string_view session_id, Entry entry, std::int64_t now) {
  if (ttl_ms_ <= 0) {
    return;
  }
  Shard& shard = shard_for(session_id);
  std::lock_guard lock(shard.mutex);
  if (shard.entries.size() >= kMaxEntriesPerShard) {
    shard.entries.clear();
  }
  // Between 3/4 of the TTL and the whole of it, spread by the id: sessions first read
  // together (a client walking its sessions, a restart) do not all expire in the same
  // millisecond, which made the store reads of their refills come in one burst.
  const auto spread = static_cast<std::size_t>(ttl_ms_ / 4);
  const auto shortened =
      spread == 0 ? 0
                  : static_cast<std::int64_t>(
                        (std::hash<std::string_view>{}(session_id) ^ static_cast<std::size_t>(now)) % spread);
  shard.entries.insert_or_assign(std::string(session_id),
                                 Stored{std::make_shared<const Entry>(std::move(entry)), now + ttl_ms_ - shortened});
}

void ResultCache::erase(std::string_view session_id) {
  Shard& shard = shard_for(session_id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(session_id);
  if (it != shard.entries.end()) {
    shard.entries.erase(it);
  }
}

}  // namespace inereg::api
