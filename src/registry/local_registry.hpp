#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/connector.hpp"
#include "registry/snapshot_file.hpp"
#include "store/store.hpp"

namespace inereg::registry {

// Where the INE snapshot files are and how they are keyed (registry.snapshot_dir, the
// key derived from the master key: app::local_snapshot_options).
struct LocalSnapshotOptions {
  std::filesystem::path dir;
  std::string key;
  // How often the store is asked which snapshot is active (registry.snapshot_check_ms);
  // 0 = at every lookup.
  std::int64_t check_ms = 1'000;
  std::function<std::int64_t()> steady_ms;  // a monotonic clock, ms
  // During a master key rotation, the key derived from the previous master key: a file
  // made under it still answers until the snapshot is imported again under the new key.
  std::string previous_key;
};

// A source answering from the snapshot imported with `inereg registry import`: one
// lookup form (FormsInTurn above asks the next); no match is the registry's
// "not found". Answers inline: a lookup in the mapped file is a few page reads.
//
// The active snapshot file is the one the store names (registry_snapshots); it is
// mapped once and swapped when the store names another, so a check sees the old file or
// the new one, never a mix (a replacement is mapped in the background, page by page,
// before it answers: lookups never wait for it). A file that cannot be used (missing on
// this node, made under neither the master key nor the previous one, truncated) is logged
// and the current one kept; with none, lookups are unavailable — never "not found". While no file was ever imported,
// the legacy table (registry_entries, before migration 15) answers. Thread-safe.
class LocalRegistry final : public RegistryConnector {
 public:
  LocalRegistry(store::Store& store, LocalSnapshotOptions options);
  ~LocalRegistry() override;
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;
  void ask(const Lookup& lookup, Done done) override;

 private:
  struct Active {
    std::shared_ptr<const SnapshotFile> file;
    const SnapshotKeyHasher* hasher = nullptr;  // the key `file` was made under
    bool legacy = true;                         // no snapshot file named in the store
    bool broken = false;                        // a file is named but none could be opened
  };
  Active active();
  // Opens `name` with every page mapped and, unless a newer name was asked for since,
  // makes it the active snapshot. Called under no lock.
  void load(const std::string& name);

  store::Store& store_;
  const LocalSnapshotOptions options_;
  // The master key's hasher first, then the previous master key's (if any); key_ids_
  // in the same order.
  std::vector<SnapshotKeyHasher> hashers_;
  std::vector<SnapshotKey> key_ids_;
  std::mutex mutex_;
  Active active_;
  std::string active_name_;  // the store's name of the file active_ holds
  std::string failed_name_;  // the last file that could not be opened (logged once)
  std::int64_t checked_at_ = 0;
  bool checked_ = false;
  // A caller is loading a file with none in use: the others wait for it (first_loaded_)
  // rather than see active_ before it holds what the store names.
  bool first_loading_ = false;
  std::condition_variable first_loaded_;
  // A new snapshot replacing one in use is opened and its pages mapped on this thread,
  // while the one in use keeps answering; the swap is one assignment under mutex_.
  std::string loading_name_;
  std::jthread loader_;
};

}  // namespace inereg::registry
