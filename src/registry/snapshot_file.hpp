#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/sha.h>

// The INE registry snapshot as an immutable file (issue 14, item 3): one file per
// import, fixed-width records sorted by the keyed hash of each credential's lookup key,
// served by mmap and interpolation search. A file holds no identifier in clear: a
// record is the first 16 bytes of HMAC-SHA256(key, ine::LookupKey::canonical) under a
// key derived from the master key, plus the situation and the card model. The database
// (registry_snapshots) names which file is active, so every node agrees; each node needs
// the file in its registry.snapshot_dir (docs/DEPLOYMENT.md).
//
// Layout (little-endian integers):
//   header, kSnapshotHeaderSize bytes: magic "INEREGS1", format version (u32), record
//   size (u32), row count (u64), imported at (i64, ms since the epoch), the source's
//   SHA-256 (32 bytes), the key id (16 bytes: HMAC of a fixed text under the key, so a
//   file made under another master key is refused instead of answering "not found"),
//   zero padding;
//   then row count records of kSnapshotRecordSize bytes, strictly ascending by key
//   (memcmp order, one record per key).
namespace inereg::registry {

inline constexpr std::size_t kSnapshotKeySize = 16;
inline constexpr std::size_t kSnapshotRecordSize = kSnapshotKeySize + 2;  // key, situation, model
inline constexpr std::size_t kSnapshotHeaderSize = 128;

using SnapshotKey = std::array<unsigned char, kSnapshotKeySize>;

// The keyed hash of lookup keys. HMAC-SHA256 with the inner and outer SHA-256 states
// computed once from the key and copied per hash, so a hash costs two compressions of
// a lookup key this short (the import hashes ~100 M keys). Immutable: thread-safe.
class SnapshotKeyHasher {
 public:
  explicit SnapshotKeyHasher(std::string_view key);
  SnapshotKey hash(std::string_view canonical) const;
  // Names the key without revealing it (the file header's key id).
  SnapshotKey key_id() const;

 private:
  SHA256_CTX inner_{};
  SHA256_CTX outer_{};
};

struct SnapshotInfo {
  std::int64_t row_count = 0;
  std::int64_t imported_at_ms = 0;
  std::string source_sha256;  // lowercase hex
};

struct SnapshotHit {
  int situation = 0;
  char model = 'G';
};

// A snapshot file mapped read-only. The mapping lives as long as the object; hold it
// by shared_ptr while asking (LocalRegistry swaps snapshots under running lookups).
// Immutable after open: find() is thread-safe.
class SnapshotFile {
 public:
  // Opens and checks `path` (magic, version, record size, length, key id: one of
  // `key_ids`, e.g. the master key's and, during a rotation, the previous one's); throws
  // std::runtime_error naming what is wrong (never a key or a record). With `populate`
  // every page is mapped now (read from disk if it is not in the page cache): lookups
  // then take no page fault — minor faults of a cold mapping cost more than the search
  // on a shared machine. The pages are page cache (RssFile), not anonymous memory.
  static std::shared_ptr<const SnapshotFile> open(const std::filesystem::path& path,
                                                  std::span<const SnapshotKey> key_ids, bool populate = false);
  static std::shared_ptr<const SnapshotFile> open(const std::filesystem::path& path, const SnapshotKey& key_id,
                                                  bool populate = false) {
    return open(path, std::span(&key_id, 1), populate);
  }
  ~SnapshotFile();
  SnapshotFile(const SnapshotFile&) = delete;
  SnapshotFile& operator=(const SnapshotFile&) = delete;

  std::optional<SnapshotHit> find(const SnapshotKey& key) const;
  const SnapshotInfo& info() const { return info_; }
  // Which of the accepted key ids the file was made under (its records' keys hash with it).
  const SnapshotKey& key_id() const { return key_id_; }

 private:
  SnapshotFile() = default;
  const unsigned char* records() const { return base_ + kSnapshotHeaderSize; }
  const unsigned char* base_ = nullptr;
  std::size_t length_ = 0;
  std::int64_t rows_ = 0;
  SnapshotKey key_id_{};
  SnapshotInfo info_;
};

// What a snapshot build reports besides the file.
struct SnapshotBuildReport {
  std::int64_t rows = 0;        // records in the file
  std::int64_t duplicates = 0;  // rows replaced by a later row of the same credential
};

// Builds a snapshot file from unsorted records in bounded memory: records are spread by
// their key's first bits over kBuckets spill files per writer (each writer a thread of
// its own), then each bucket is read back, sorted and appended to the file in key order.
// Memory: the writers' spill buffers (kBuckets × kSpillBuffer each) and one bucket.
// Of two rows with the same key the later line wins, as it always has.
class SnapshotBuilder {
 public:
  // One thread's share of the records. Not thread-safe: one per thread.
  class Writer {
   public:
    void add(const SnapshotKey& key, std::int64_t line, int situation, char model);

   private:
    friend class SnapshotBuilder;
    Writer(const std::filesystem::path& dir, int index);
    void flush(std::size_t bucket);
    void finish();
    std::vector<int> files_;
    std::vector<std::vector<unsigned char>> buffers_;
  };

  // Spill files go to a fresh directory under `work_dir` (removed when done).
  SnapshotBuilder(const std::filesystem::path& work_dir, int writers);
  ~SnapshotBuilder();
  SnapshotBuilder(const SnapshotBuilder&) = delete;
  SnapshotBuilder& operator=(const SnapshotBuilder&) = delete;

  Writer& writer(int index) { return *writers_.at(static_cast<std::size_t>(index)); }
  // Writes the file at `path` (through a temporary name, fsync'd, then renamed, and the
  // directory fsync'd): after this returns the file is whole and durable, and before it
  // no file exists at `path`. Call once every writer is done.
  SnapshotBuildReport finish(const std::filesystem::path& path, std::int64_t imported_at_ms,
                             const std::array<unsigned char, 32>& source_sha256, const SnapshotKey& key_id);

  static constexpr std::size_t kBuckets = 512;
  static constexpr std::size_t kSpillBuffer = std::size_t{16} * 1024;

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

// Lowercase hex of bytes.
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace inereg::registry
