#include "registry/local_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "ine/situation.hpp"
#include "registry/forms_in_turn.hpp"

namespace inereg::registry {
namespace {

std::shared_ptr<const SnapshotFile> open_snapshot(const LocalSnapshotOptions& options, const std::string& name,
                                                  std::span<const SnapshotKey> key_ids) {
  if (options.dir.empty()) {
    throw std::runtime_error("registry.snapshot_dir is not set (it must be with PostgreSQL)");
  }
  return SnapshotFile::open(options.dir / name, key_ids, true);
}

}  // namespace

LocalRegistry::LocalRegistry(store::Store& store, LocalSnapshotOptions options)
    : store_(store), options_(std::move(options)) {
  hashers_.emplace_back(options_.key);
  if (!options_.previous_key.empty()) {
    hashers_.emplace_back(options_.previous_key);
  }
  for (const auto& hasher : hashers_) {
    key_ids_.push_back(hasher.key_id());
  }
}

LocalRegistry::~LocalRegistry() {
  if (loader_.joinable()) {
    loader_.join();
  }
}

void LocalRegistry::load(const std::string& name) {
  std::shared_ptr<const SnapshotFile> file;
  std::string problem;
  try {
    file = open_snapshot(options_, name, key_ids_);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  std::lock_guard lock(mutex_);
  if (loading_name_ == name) {
    loading_name_.clear();
  }
  if (!file) {
    // Keep answering from the file in use: the old snapshot, never a mix. Tried again at
    // the next check (the operator may copy the file over).
    if (failed_name_ != name) {
      spdlog::error("registry: the active snapshot cannot be used on this node: {}", problem);
      failed_name_ = name;
    }
    return;
  }
  const auto key = std::find(key_ids_.begin(), key_ids_.end(), file->key_id());
  const SnapshotKeyHasher* hasher = &hashers_.at(static_cast<std::size_t>(key - key_ids_.begin()));
  if (hasher != &hashers_.front()) {
    spdlog::warn("registry: snapshot {} was made under the previous master key; import it again under the new one",
                 name);
  }
  active_ = Active{std::move(file), hasher, false, false};
  active_name_ = name;
  failed_name_.clear();
  spdlog::info("registry: answering from snapshot {} ({} rows)", name, active_.file->info().row_count);
}

LocalRegistry::Active LocalRegistry::active() {
  std::unique_lock lock(mutex_);
  // Lookups arriving while the first file loads wait for it: active_ says "legacy table"
  // until then, and that table is empty once a file was imported — a "not found" for
  // every credential (seen when submits started lookups on many threads at once).
  first_loaded_.wait(lock, [this] { return !first_loading_; });
  const std::int64_t now = options_.steady_ms ? options_.steady_ms() : 0;
  if (checked_ && options_.check_ms > 0 && now - checked_at_ < options_.check_ms) {
    return active_;
  }
  checked_ = true;
  checked_at_ = now;
  const auto state = store_.find_registry_snapshot(store::kIneSnapshot);
  if (!state.active) {
    active_ = Active{};
    active_name_.clear();
    failed_name_.clear();
    return active_;
  }
  const std::string& name = state.active->file;
  if ((name == active_name_ && active_.file) || name == loading_name_) {
    return active_;
  }
  if (!active_.file) {
    // Nothing to answer from meanwhile (the first file, or the legacy table, which the
    // import emptied): load it now, on this thread, while other lookups wait; if it does
    // not load, lookups are unavailable.
    first_loading_ = true;
    lock.unlock();
    load(name);
    lock.lock();
    first_loading_ = false;
    first_loaded_.notify_all();
    if (!active_.file) {
      active_ = Active{nullptr, nullptr, false, true};
    }
    return active_;
  }
  // Replace the file in use once the new one is mapped; until then the old one answers.
  if (!loading_name_.empty()) {
    return active_;  // one load at a time; the newer name is taken at a later check
  }
  if (loader_.joinable()) {
    loader_.join();  // that load is over: it cleared loading_name_ and released the lock
  }
  loading_name_ = name;
  loader_ = std::jthread([this, name] { load(name); });
  return active_;
}

void LocalRegistry::ask(const Lookup& lookup, Done done) {
  const std::string& canonical = single_form(lookup).canonical;
  const Active snapshot = active();
  if (snapshot.file) {
    const auto hit = snapshot.file->find(snapshot.hasher->hash(canonical));
    auto outcome = LookupOutcome::verdict(hit ? hit->situation : ine::kSituationNotFound);
    outcome.snapshot_at_ms = snapshot.file->info().imported_at_ms;
    done(std::move(outcome));
    return;
  }
  if (snapshot.broken) {
    done(LookupOutcome::unavailable(LookupOutcome::Cause::kTransient,
                                    "the active registry snapshot file is missing or unusable on this node"));
    return;
  }
  const auto situation = store_.find_registry_situation(canonical);
  auto outcome = LookupOutcome::verdict(situation.value_or(ine::kSituationNotFound));
  outcome.snapshot_at_ms = store_.find_snapshot_date(store::kIneSnapshot);
  done(std::move(outcome));
}

}  // namespace inereg::registry
