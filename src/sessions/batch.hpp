#pragma once

// What the session workflow's batch rules share (SessionWorkflow::submit_in, start_in,
// add_media_in, delete_in): the batch's sessions, locked, and its calls' ids and times.
#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/persistence.hpp"
#include "store/records.hpp"

namespace inereg::sessions {

// The sessions a batch of workflow calls touches (SessionWorkflow's batch rules: submits,
// starts, uploads, deletes), locked by one statement, each as the batch's earlier calls left it:
// a second call on a session is judged as it would be after the first. A batch changes a
// session at most once, because its updates are one statement that takes each session
// once (store::WriteTransaction::update_sessions).
class LockedSessions {
 public:
  // Locks the sessions of `ids` (repeats allowed) in `tx`.
  LockedSessions(store::WriteTransaction& tx, std::vector<std::string> ids);

  // The session as the batch's earlier calls left it; nullptr when it does not exist.
  const store::Session* current(std::string_view id) const;
  // The session as stored and locked: its status is what an update expects.
  const store::Session& stored(std::string_view id) const;
  // `after` (kept alive by the caller) is the session from now on. Throws
  // std::logic_error when the session changed in this batch already: BatchedCalls then
  // runs each of the batch's calls alone.
  void change(const store::Session& after);
  // The session is gone (deleted) from now on: current() finds nothing. A change, as above.
  void remove(std::string_view id);
  // Writes every changed session (change(), not remove()) in one update_sessions, each
  // only while its status is still the stored one. Under the locks each applies; were
  // one not to, std::logic_error: the whole batch fails rather than half of a call kept.
  void write_changes(store::WriteTransaction& tx) const;

 private:
  struct Entry {
    store::Session stored;
    const store::Session* current = nullptr;
  };
  // The session's entry, about to change; throws when it changed already.
  Entry& changed(std::string_view id);
  std::unordered_map<std::string, Entry> sessions_;
};

// The session ids of a batch's calls (each Call has a `session_id`), for LockedSessions.
template <typename Call>
std::vector<std::string> session_ids_of(std::span<Call* const> calls) {
  std::vector<std::string> ids;
  ids.reserve(calls.size());
  for (const Call* call : calls) {
    ids.emplace_back(call->session_id);
  }
  return ids;
}

// The earliest `now` of a batch's calls (each Call has one): the time the batch's
// webhooks are due from.
template <typename Call>
store::TimeMs earliest_now(std::span<Call* const> calls) {
  return (*std::min_element(calls.begin(), calls.end(), [](const Call* a, const Call* b) { return a->now < b->now; }))
      ->now;
}

}  // namespace inereg::sessions
