#include "sessions/batch.hpp"

#include <algorithm>
#include <stdexcept>

namespace inereg::sessions {

LockedSessions::LockedSessions(store::WriteTransaction& tx, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (auto& session : tx.lock_sessions(ids)) {
    std::string id = session.id;
    sessions_.emplace(std::move(id), Entry{std::move(session), nullptr});
  }
  for (auto& [id, entry] : sessions_) {
    entry.current = &entry.stored;
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

LockedSessions::Entry& LockedSessions::changed(std::string_view id) {
  Entry& entry = sessions_.at(std::string(id));
  if (entry.current != &entry.stored) {
    throw std::logic_error("session " + std::string(id) + " changed twice in one batch");
  }
  return entry;
}

}  // namespace inereg::sessions
