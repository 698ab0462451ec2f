#include <unordered_map>

#include "sessions/batch.hpp"
#include "sessions/workflow.hpp"

namespace inereg::sessions {

MediaOutcome SessionWorkflow::add_media(const store::Media& media, std::string_view bytes,
                                        const store::MediaLimits& limits) {
  MediaCall call{.session_id = media.session_id, .media = &media, .bytes = bytes, .limits = &limits};
  run(uploads_, &SessionWorkflow::add_media_in, call);
  return call.outcome;
}

void SessionWorkflow::add_media_in(store::WriteTransaction& tx, std::span<MediaCall* const> calls) const {
  // The sessions' locks order these uploads against a submit of the same session (and
  // against other uploads, so the limits hold): a submit that locked first is seen
  // here; one that locks later sees these files.
  const auto ids = session_ids_of(calls);
  LockedSessions sessions(tx, ids);
  // Each session's media as the batch's earlier uploads left it.
  std::unordered_map<std::string, store::WriteTransaction::MediaUsage> usage;
  const auto stored = tx.media_usages(ids);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    usage.try_emplace(ids[i], stored[i]);
  }
  std::vector<MediaCall*> accepted;
  for (MediaCall* call : calls) {
    call->outcome = MediaOutcome::kSessionNotFound;
    const store::Session* session = sessions.current(call->session_id);
    if (session == nullptr) {
      continue;
    }
    if (!may_upload_media(stored_status(session->status))) {
      call->outcome = MediaOutcome::kSessionNotUploadable;
      continue;
    }
    auto& used = usage.at(session->id);
    const store::MediaLimits& limits = *call->limits;
    if (used.files + 1 > limits.max_files_per_session ||
        used.bytes + call->media->size > limits.max_bytes_per_session) {
      call->outcome = MediaOutcome::kLimitReached;
      continue;
    }
    tx.insert_media(*call->media, call->bytes);
    used.files += 1;
    used.bytes += call->media->size;
    accepted.push_back(call);
  }
  tx.commit();
  for (MediaCall* call : accepted) {
    call->outcome = MediaOutcome::kStored;
  }
}

}  // namespace inereg::sessions
