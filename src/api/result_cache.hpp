#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace inereg::api {

// Completed ine-registry answers kept in memory, so that the endpoint clients poll
// hardest needs no database read. A result never changes once written; the only
// change is removal (DELETE), which erases the entry here at once. Another node's
// DELETE is seen within `ttl_ms` (an entry lives between 3/4 of it and all of it).
// Bounded: a full shard is emptied. Thread-safe.
class ResultCache {
 public:
  struct Entry {
    std::string integration_id;
    std::string body;  // the exact 200 body
  };

  explicit ResultCache(std::int64_t ttl_ms) : ttl_ms_(ttl_ms) {}

  // The entry, shared (immutable): a hit copies no string and allocates nothing.
  std::shared_ptr<const Entry> find(std::string_view session_id, std::int64_t now);
  void put(std::string_view session_id, Entry entry, std::int64_t now);
  void erase(std::string_view session_id);

 private:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxEntriesPerShard = 16'384;
  struct Stored {
    std::shared_ptr<const Entry> entry;
    std::int64_t expires_at = 0;
  };
  // Looked up by the request's string_view, without making a std::string of it.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Stored, KeyHash, std::equal_to<>> entries;
  };
  Shard& shard_for(std::string_view session_id);

  const std::int64_t ttl_ms_;
  std::array<Shard, kShards> shards_;
};

}  // namespace inereg::api
