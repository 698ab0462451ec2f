#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/messages.hpp"
#include "api/page_guard.hpp"
#include "api/page_options.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"
#include "vision/mrz_reader.hpp"

// The verification page: where the `url` of a created session leads the person being
// verified, to photograph their INE card (docs/ARCHITECTURE.md, "The verification
// page"). Its endpoints are authenticated by the session token in the path alone (the
// browser never holds the integration's shared secret) and take the same steps as the
// Veriff API's handlers: start the session, store a document image, submit; and the
// page's own: count an unreadable photo, cancel.
namespace inereg::api {

struct ApiOptions;

// Why a page request is refused; one switch (verification_page.cpp) maps each to its
// HTTP status, its JSON code and the words of its refusal page.
enum class PageRefusal {
  kInvalidLink,       // forged, of another deployment, or its session deleted
  kClosed,            // the session is past started: submitted, decided, expired, abandoned
  kTooManyRequests,   // the session's page requests are over the per-minute limit
  kTooLarge,          // a photo above the API's upload limit (media.max_upload_bytes, decoded)
  kUnsupportedImage,  // not a JPEG, PNG or WebP
  kLimitReached,      // the session's media limits (the API's)
  kInternal,
};

// Thread-safe: one instance serves every thread. Reading a photo takes a fraction of a
// second to a second of CPU, so upload() must run on the blocking pool, never on an I/O
// thread (the server runs every POST there).
class VerificationPage {
 public:
  using Clock = std::function<std::int64_t()>;

  // `options` must outlive the page (Api owns both).
  VerificationPage(store::Store& store, sessions::SessionWorkflow& sessions, const ApiOptions& options, Clock clock);

  // GET /v/{token}[?lang=en]: the page (opening it starts the session), or a refusal page.
  ApiResponse open(const ApiRequest& request, std::string_view token);
  // GET /page/{name}: the page's stylesheet and script.
  static ApiResponse asset(std::string_view name);
  // POST /v/{token}/back and /front: one photo (the raw image bytes as the body).
  ApiResponse upload(const ApiRequest& request, std::string_view token, std::string_view context);
  // POST /v/{token}/submit.
  ApiResponse submit(std::string_view token);
  // POST /v/{token}/cancel: the person left the page. Its photos are withdrawn and its
  // tries start over; the session stays open, and its url resumes it
  // (SessionWorkflow::cancel_capture).
  ApiResponse cancel(std::string_view token);

  // The photo contexts of the upload routes.
  static constexpr std::string_view kCardBack = "document-back";
  static constexpr std::string_view kCardFront = "document-front";

  // The largest photo body the upload routes take: the API's limit on one image,
  // decoded (media.max_upload_bytes counts base64 characters).
  static std::size_t max_photo_bytes(std::size_t max_upload_base64);

 private:
  // The token's session, and why it may not use the page now (if it may not): an
  // invalid token, over the rate, or a session past started (whose session is kept, so
  // that its refusal page may still show inside the integration's frame).
  struct Admission {
    std::optional<store::Session> session;
    std::optional<PageRefusal> refusal;
  };
  Admission admit(std::string_view token);
  ApiResponse refusal_page(PageRefusal refusal, const ApiRequest& request, std::string_view frame_ancestors) const;
  static ApiResponse refusal_json(PageRefusal refusal);
  std::string frame_ancestors(const store::Session& session);
  ApiResponse store_photo(const store::Session& session, std::string_view context, std::string_view bytes,
                          std::string_view mimetype);
  // Submits the session; the refusal it met, if any.
  std::optional<PageRefusal> submit_session(const store::Session& session);
  // A page step without a body (submit, cancel): `step` runs on the admitted session and
  // gives the refusal it met, if any; else the answer is 200 `done`. A failure is logged
  // under `name`, never with the token.
  using Step = std::function<std::optional<PageRefusal>(const store::Session&)>;
  ApiResponse run_step(std::string_view token, std::string_view name, std::string_view done, const Step& step);

  store::Store& store_;  // reads: the token's session, the integration's origins
  sessions::SessionWorkflow& sessions_;
  const ApiOptions& options_;
  const Clock clock_;
  const vision::MrzReader reader_;
  PageGuard guard_;
};

}  // namespace inereg::api
