#include "sessions/batch.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace inereg::sessions {

LockedSessions::LockedSessions(store::WriteTransaction& tx, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (auto& session : tx.lock_sessions(ids)) {
    std::string id = session.id;
    Entry& entry = sessions_.emplace(std::move(id), Entry{std::move(session), nullptr}).first->second;
    entry.current = &entry.stored;  // a map's entries stay where they are
  }
}

const store::Session* LockedSessions::current(std::string_view id) const {
  const auto found = sessions_.find(std::string(id));
  return found == sessions_.end() ? nullptr : found->second.current;
}

const store::Session& LockedSessions::stored(std::string_view id) const {
  return sessions_.at(std::string(id)).stored;
}

void LockedSessions::change(const store::Session& after) {
  changed(after.id).current = &after;
}

void LockedSessions::remove(std::string_view id) {
  changed(id).current = nullptr;
}

void LockedSessions::write_changes(store::WriteTransaction& tx) const {
  std::vector<store::SessionUpdate> updates;
  for (const auto& [id, entry] : sessions_) {
    if (entry.current != nullptr && entry.current != &entry.stored) {
      updates.push_back(store::SessionUpdate{entry.current, entry.stored.status});
    }
  }
  for (const bool applied : tx.update_sessions(updates)) {
    if (!applied) {
      throw std::logic_error("a locked session changed under its lock");
    }
  }
}

LockedSessions::Entry& LockedSessions::changed(std::string_view id) {
  Entry& entry = sessions_.at(std::string(id));
  if (entry.current != &entry.stored) {
    throw std::logic_error("session " + std::string(id) + " changed twice in one batch");
  }
  return entry;
}

}  // namespace inereg::sessions
