#include "sessions/workflow.hpp"

namespace inereg::sessions {

MediaOutcome SessionWorkflow::add_media(const store::Media& media, std::string_view bytes,
                                        const store::MediaLimits& limits) {
  const auto tx = store_.begin_write();
  // The session's lock orders this upload against a submit of the same session (and
  // against other uploads, so the limits hold): a submit that locked first is seen
  // here; one that locks later sees this file.
  const auto session = tx->lock_session(media.session_id);
  if (!session) {
    return MediaOutcome::kSessionNotFound;
  }
  if (!may_upload_media(stored_status(session->status))) {
    return MediaOutcome::kSessionNotUploadable;
  }
  const auto usage = tx->media_usage(media.session_id);
  if (usage.files + 1 > limits.max_files_per_session || usage.bytes + media.size > limits.max_bytes_per_session) {
    return MediaOutcome::kLimitReached;
  }
  tx->insert_media(media, bytes);
  tx->commit();
  return MediaOutcome::kStored;
}

}  // namespace inereg::sessions
