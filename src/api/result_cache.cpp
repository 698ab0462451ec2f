#include "api/result_cache.hpp"

#include <functional>

namespace inereg::api {

ResultCache::Shard& ResultCache::shard_for(std::string_view session_id) {
  return shards_[std::hash<std::string_view>{}(session_id) % kShards];
}

std::optional<ResultCache::Entry> ResultCache::find(std::string_view session_id, std::int64_t now) {
  if (ttl_ms_ <= 0) {
    return std::nullopt;
  }
  Shard& shard = shard_for(session_id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(std::string(session_id));
  if (it == shard.entries.end()) {
    return std::nullopt;
  }
  if (it->second.expires_at <= now) {
    shard.entries.erase(it);
    return std::nullopt;
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
  shard.entries.insert_or_assign(std::string(session_id), Stored{std::move(entry), now + ttl_ms_});
}

void ResultCache::erase(std::string_view session_id) {
  Shard& shard = shard_for(session_id);
  std::lock_guard lock(shard.mutex);
  shard.entries.erase(std::string(session_id));
}

}  // namespace inereg::api
