#include "sessions/workflow.hpp"

namespace inereg::sessions {

MediaOutcome SessionWorkflow::add_media(const store::Media& media, std::string_view bytes,
                                        const store::MediaLimits& limits) {
  MediaOutcome outcome = MediaOutcome::kSessionNotFound;
  store_.write([&](store::WriteTransaction& tx) {
    // The session's lock orders this upload against a submit of the same session (and
    // against other uploads, so the limits hold): a submit that locked first is seen
    // here; one that locks later sees this file.
    const auto session = tx.lock_session(media.session_id);
    if (!session) {
      return;
    }
    if (!may_upload_media(stored_status(session->status))) {
      outcome = MediaOutcome::kSessionNotUploadable;
      return;
    }
    const auto usage = tx.media_usage(media.session_id);
    if (usage.files + 1 > limits.max_files_per_session || usage.bytes + media.size > limits.max_bytes_per_session) {
      outcome = MediaOutcome::kLimitReached;
      return;
    }
    tx.insert_media(media, bytes);
    tx.commit();
    outcome = MediaOutcome::kStored;
  });
  return outcome;
}

}  // namespace inereg::sessions
