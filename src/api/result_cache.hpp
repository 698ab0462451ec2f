#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inereg::api {

// Completed ine-registry answers kept in memory, so that the endpoint clients poll
// hardest needs no database read. A result never changes once written; the only change
// is removal (DELETE), which erases the entry here at once. Bounded: a full shard is
// emptied. Thread-safe.
//
// Another node's DELETE reaches this cache through the store's deletion journal
// (Store::sessions_deleted_since): sync() reads the deletions since its last read, every
// sync_interval_ms() (about a second). An entry is served only while the last successful
// sync began less than `ttl_ms` ago, so another node's DELETE is seen within a sync
// interval normally and never later than `ttl_ms`: when the store cannot be read, every
// lookup misses and goes to the store. Before, every entry expired after `ttl_ms` and
// was read again: 10,000 polled sessions cost 2,000 store reads a second (bench/README.md).
//
// The journal is read from kJournalOverlapMs before the previous sync began: a deletion
// is stamped with the deleting node's clock when its transaction starts and becomes
// visible at its commit, so that margin covers clock skew between nodes and slow
// commits. As a backstop for a deletion later than that, entries still expire after
// kMaxAgeMs (or `ttl_ms` if longer).
class ResultCache {
 public:
  struct Entry {
    std::string integration_id;
    std::string body;  // the exact 200 body
  };
  // Taken before the store read whose result put() stores (reading()).
  using Ticket = std::uint64_t;
  // The sessions deleted at or after a time (the store's journal); may throw.
  using DeletedSince = std::function<std::vector<std::string>(std::int64_t since)>;

  static constexpr std::int64_t kJournalOverlapMs = 30'000;
  static constexpr std::int64_t kMaxAgeMs = 600'000;
  static constexpr std::int64_t kMaxSyncIntervalMs = 1'000;

  // `created_at`: deletions from kJournalOverlapMs before it on are read by the first sync.
  ResultCache(std::int64_t ttl_ms, std::int64_t created_at);

  // The exact 200 body kept for `session_id` when `integration_id` owns it. Another
  // integration's session is a miss: its store read answers 404 as well.
  std::optional<std::string> find(std::string_view session_id, std::string_view integration_id, std::int64_t now);
  // Before reading the store for `session_id`: put() then stores the result only if the
  // session was not erased meanwhile (a DELETE between the read and the put).
  Ticket reading(std::string_view session_id);
  void put(std::string_view session_id, const Entry& entry, std::int64_t now, Ticket ticket);
  void erase(std::string_view session_id);

  // Erases the sessions the journal lists as deleted since the last sync; entries are then
  // served until `now` + ttl. Only one thread syncs. Throws what `deleted_since` throws
  // (the entries then stop being served once the last sync is `ttl_ms` old).
  void sync(const DeletedSince& deleted_since, std::int64_t now);
  // How often sync() should run: a quarter of the TTL, at most a second.
  std::int64_t sync_interval_ms() const;

 private:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxEntriesPerShard = 16'384;
  // The entry in one allocation, the integration's id then the body: a hit reads the
  // slot and this, where a shared Entry took its reference count's line and each
  // string's own (bench/README.md, "The result cache's table").
  struct Stored {
    std::string packed;  // integration id ‖ body
    std::size_t id_length = 0;
    std::int64_t expires_at = 0;
  };
  // A session id (a UUID, 36 characters) kept inline in the table's slot, not in a node
  // with a separately allocated key. An id of another length is never cached: find()
  // misses, put() and erase() do nothing.
  struct SessionKey {
    static constexpr std::size_t kLength = 36;
    std::array<char, kLength> chars{};
    std::string_view view() const { return {chars.data(), chars.size()}; }
    bool operator==(const SessionKey&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const SessionKey& key) const { return std::hash<std::string_view>{}(key.view()); }
  };
  static std::optional<SessionKey> key_of(std::string_view session_id);
  struct Shard {
    std::mutex mutex;
    boost::unordered_flat_map<SessionKey, Stored, KeyHash> entries;
    Ticket erasures = 0;  // erase() calls so far: a put() whose ticket is older is dropped
  };
  Shard& shard_for(const SessionKey& key);

  const std::int64_t ttl_ms_;
  const std::int64_t max_age_ms_;
  std::atomic<std::int64_t> served_until_{0};  // the last successful sync's start + ttl
  std::int64_t journal_from_;                  // the syncing thread's only
  std::array<Shard, kShards> shards_;
};

}  // namespace inereg::api
