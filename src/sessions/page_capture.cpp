#include "sessions/workflow.hpp"

namespace inereg::sessions {

UnreadablePhotoCount SessionWorkflow::count_unreadable_photo(std::string_view session_id) {
  const auto tx = store_.begin_write();
  // Locked: a photo counted at the same time on another node waits, and counts next.
  const auto session = tx->lock_session(session_id);
  if (!session) {
    return {CaptureOutcome::kSessionNotFound};
  }
  if (!may_upload_media(stored_status(session->status))) {
    return {CaptureOutcome::kSessionNotUploadable};
  }
  const int count = tx->count_unreadable_photo(session_id);
  tx->commit();
  return {CaptureOutcome::kDone, count};
}

CaptureOutcome SessionWorkflow::cancel_capture(std::string_view session_id,
                                               std::span<const std::string_view> contexts) {
  const auto tx = store_.begin_write();
  const auto session = tx->lock_session(session_id);
  if (!session) {
    return CaptureOutcome::kSessionNotFound;
  }
  if (!may_upload_media(stored_status(session->status))) {
    return CaptureOutcome::kSessionNotUploadable;
  }
  for (const auto context : contexts) {
    tx->delete_media(session_id, context);
  }
  tx->clear_unreadable_photos(session_id);
  tx->commit();
  return CaptureOutcome::kDone;
}

}  // namespace inereg::sessions
