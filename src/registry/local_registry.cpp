#include "registry/local_registry.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "ine/situation.hpp"
#include "registry/forms_in_turn.hpp"

namespace inereg::registry {

LocalRegistry::LocalRegistry(store::Store& store, LocalSnapshotOptions options)
    : store_(store), options_(std::move(options)), hasher_(options_.key), key_id_(hasher_.key_id()) {}

LocalRegistry::Active LocalRegistry::active() {
  std::lock_guard lock(mutex_);
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
  if (state.active->file == active_name_ && active_.file) {
    return active_;
  }
  try {
    if (options_.dir.empty()) {
      throw std::runtime_error("registry.snapshot_dir is not set (it must be with PostgreSQL)");
    }
    active_.file = SnapshotFile::open(options_.dir / state.active->file, key_id_);
    active_.legacy = false;
    active_.broken = false;
    active_name_ = state.active->file;
    failed_name_.clear();
    spdlog::info("registry: answering from snapshot {} ({} rows)", state.active->file, active_.file->info().row_count);
  } catch (const std::exception& e) {
    // Keep answering from the file in use, if any: the old snapshot, never a mix. Tried
    // again at the next check (the operator may copy the file over).
    if (failed_name_ != state.active->file) {
      spdlog::error("registry: the active snapshot cannot be used on this node: {}", e.what());
      failed_name_ = state.active->file;
    }
    active_.legacy = false;
    active_.broken = active_.file == nullptr;
  }
  return active_;
}

void LocalRegistry::ask(const Lookup& lookup, Done done) {
  const std::string& canonical = single_form(lookup).canonical;
  const Active snapshot = active();
  if (snapshot.file) {
    const auto hit = snapshot.file->find(hasher_.hash(canonical));
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
