// GET /v/{sessionToken}: where the `url` of a created session leads the end user.
// inereg has no capture flow of its own (documents arrive through the API); opening
// the page is what starts the session (created -> started, the `started` event).
#include <spdlog/spdlog.h>

#include "api/api.hpp"
#include "api/session_token.hpp"
#include "auth/secret_box.hpp"

namespace inereg::api {
namespace {

ApiResponse html(int http_status, std::string_view title, std::string_view text) {
  ApiResponse response;
  response.status = http_status;
  response.content_type = "text/html; charset=utf-8";
  // Fixed texts only: nothing from the request or the session is echoed into markup.
  response.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + std::string(title) +
                  "</title></head><body><h1>" + std::string(title) + "</h1><p>" + std::string(text) +
                  "</p></body></html>\n";
  return response;
}

}  // namespace

ApiResponse Api::verification_page(std::string_view token) {
  try {
    const auto session_id = session_id_from_token(token, options_.session_token_key);
    const auto session = session_id ? store_.find_session(*session_id) : std::nullopt;
    if (!session) {
      return html(404, "Verification not found", "This verification link is not valid.");
    }
    const sessions::Status status = sessions::stored_status(session->status);
    if (status == sessions::Status::kCreated) {
      // A second visit, or a visit racing this one, finds the session past `created`
      // and starts nothing: the `started` event is queued once.
      sessions_.start(session->id, auth::random_uuid_v4(), clock_());
      return html(200, "Verification started", "Your verification session has started.");
    }
    if (status == sessions::Status::kStarted) {
      return html(200, "Verification started", "Your verification session has started.");
    }
    return html(200, "Verification submitted", "This verification session is already complete.");
  } catch (const std::exception& e) {
    spdlog::error("GET verification page: {}", e.what());
    return html(500, "Something went wrong", "Please try again later.");
  }
}

}  // namespace inereg::api
