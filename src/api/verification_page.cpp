// GET /v/{token}, POST /v/{token}/back, /front, /submit, /cancel, GET /page/{name}: the
// verification page (docs/ARCHITECTURE.md, "The verification page"). Thin: each step is
// the session workflow the Veriff API's handler runs for it (start, add_media with the
// API's MediaLimits, submit), or the page's own (count_unreadable_photo, cancel_capture).
#include "api/verification_page.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <array>

#include "api/api.hpp"
#include "api/json_fields.hpp"
#include "api/session_token.hpp"
#include "api/web_assets.hpp"
#include "auth/secret_box.hpp"
#include "media/image_content.hpp"
#include "veriff/json.hpp"

namespace inereg::api {
namespace {

enum class Language { kSpanish, kEnglish };

// Spanish (es-MX) unless the query asks for English: `lang=en` or `lang=en-…`, as
// @veriff/incontext-sdk appends it.
Language language_of(std::string_view query) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair == "lang=en" || pair.starts_with("lang=en-") || pair.starts_with("lang=en_")) {
      return Language::kEnglish;
    }
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
  }
  return Language::kSpanish;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string_view asset_text(std::string_view name) {
  const auto text = web_asset(name);
  if (!text) {
    throw std::logic_error("web/" + std::string(name) + " is not embedded");  // a build defect
  }
  return *text;
}

// The texts of one language (web/texts.json), parsed once.
const boost::json::object& texts(Language language) {
  static const boost::json::value all = boost::json::parse(asset_text("texts.json"));
  return all.at(language == Language::kEnglish ? "en" : "es").as_object();
}

std::string text(const boost::json::object& texts, std::string_view key) {
  const auto* value = texts.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw std::logic_error("web/texts.json has no text " + std::string(key));  // a build defect
  }
  return std::string(value->as_string());
}

// `html` with each {{key}} replaced by what `lookup(key)` gives (HTML-escaped text).
template <typename Lookup>
std::string render(std::string_view html, const Lookup& lookup) {
  std::string out;
  out.reserve(html.size() + 1024);
  for (;;) {
    const auto open = html.find("{{");
    if (open == std::string_view::npos) {
      out += html;
      return out;
    }
    const auto close = html.find("}}", open);
    if (close == std::string_view::npos) {
      throw std::logic_error("unclosed {{ in a web/ template");
    }
    out += html.substr(0, open);
    out += lookup(html.substr(open + 2, close - open - 2));
    html.remove_prefix(close + 2);
  }
}

// The web/ document `name` in `language`: {{head}} is web/head.html (the head every
// document shares), {{lang}} the language's tag, any other key what `lookup` gives.
template <typename Lookup>
std::string render_document(std::string_view name, Language language, const Lookup& lookup) {
  const auto document_key = [&](std::string_view key) -> std::string {
    if (key == "lang") {
      return language == Language::kEnglish ? "en" : "es-MX";
    }
    return lookup(key);
  };
  return render(asset_text(name), [&](std::string_view key) -> std::string {
    if (key == "head") {
      return render(asset_text("head.html"), document_key);
    }
    return document_key(key);
  });
}

// JSON inside <script type="application/json">: a "</script" in a text must not end
// the element early, so every '<' is escaped (JSON.parse reads \u003c back as '<').
std::string script_json(const boost::json::object& data) {
  std::string json = veriff::to_json(data);
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// A callback the page may send the browser to: an absolute http(s) URL only (a
// `javascript:` one would run in the page's origin).
std::optional<std::string> safe_callback(const std::optional<std::string>& callback) {
  if (!callback || !(callback->starts_with("https://") || callback->starts_with("http://"))) {
    return std::nullopt;
  }
  return callback;
}

bool uploadable(std::string_view session_status) {
  return sessions::may_upload_media(sessions::stored_status(session_status));
}

// A page step the workflow refused: the session was deleted, or went past started, since
// the request was admitted.
PageRefusal refusal_of(sessions::CaptureOutcome outcome) {
  return outcome == sessions::CaptureOutcome::kSessionNotFound ? PageRefusal::kInvalidLink : PageRefusal::kClosed;
}

// The photos the page stores, withdrawn when the person cancels.
constexpr std::array<std::string_view, 2> kPagePhotos = {VerificationPage::kCardBack, VerificationPage::kCardFront};

// Headers every page response carries: no cache (a token is in the URL), no referrer
// (so the token never leaves in a Referer), no type sniffing.
void add_common_headers(ApiResponse& response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

// The page's content security policy: its own script and stylesheet only (no inline
// script or style), requests to inereg only, camera frames as blob: images, framed only
// by the integration's allowed browser origins.
void add_html_headers(ApiResponse& response, std::string_view frame_ancestors) {
  add_common_headers(response);
  response.content_type = "text/html; charset=utf-8";
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
      "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors " +
          std::string(frame_ancestors));
  response.headers.emplace_back("Permissions-Policy", "camera=(self), microphone=(), geolocation=()");
}

constexpr std::string_view kNoFraming = "'none'";

// An origin as stored (scheme://host[:port], normalized when set), checked again
// before it goes into a header: nothing that could end the directive.
bool is_plain_origin(std::string_view origin) {
  for (const char c : origin) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                         c == '-' || c == ':' || c == '/' || c == '[' || c == ']';
    if (!allowed) {
      return false;
    }
  }
  return !origin.empty();
}

struct RefusalSpec {
  int http_status;
  std::string_view code;      // the JSON answer's "error" (the page words it)
  std::string_view text_key;  // the refusal page's texts: <key>_title, <key>_text
};

// The one place a refusal gets its status, its code and its words.
RefusalSpec refusal_spec(PageRefusal refusal) {
  switch (refusal) {
    case PageRefusal::kInvalidLink:
      return {404, "link_invalid", "refused_invalid"};
    case PageRefusal::kClosed:
      return {410, "session_closed", "refused_closed"};
    case PageRefusal::kTooManyRequests:
      return {429, "too_many_requests", "refused_busy"};
    case PageRefusal::kTooLarge:
      return {413, "too_large", "refused_error"};
    case PageRefusal::kUnsupportedImage:
      return {415, "unsupported_image", "refused_error"};
    case PageRefusal::kLimitReached:
      return {409, "limit_reached", "refused_error"};
    case PageRefusal::kInternal:
      break;
  }
  return {500, "internal", "refused_error"};
}

}  // namespace

VerificationPage::VerificationPage(store::Store& store, sessions::SessionWorkflow& sessions, const ApiOptions& options,
                                   Clock clock)
    : store_(store),
      sessions_(sessions),
      options_(options),
      clock_(std::move(clock)),
      reader_(options.media.image),
      guard_(options.page.requests_per_minute) {}

std::size_t VerificationPage::max_photo_bytes(std::size_t max_upload_base64) {
  return max_upload_base64 / 4 * 3;
}

VerificationPage::Admission VerificationPage::admit(std::string_view token) {
  const auto session_id = session_id_from_token(token, options_.session_token_key);
  if (!session_id) {
    return {std::nullopt, PageRefusal::kInvalidLink};
  }
  if (!guard_.admit(*session_id, clock_())) {
    return {std::nullopt, PageRefusal::kTooManyRequests};
  }
  auto session = store_.find_session(*session_id);
  if (!session) {
    return {std::nullopt, PageRefusal::kInvalidLink};  // deleted: its token died with it
  }
  if (!uploadable(session->status)) {
    return {std::move(session), PageRefusal::kClosed};
  }
  return {std::move(session), std::nullopt};
}

std::string VerificationPage::frame_ancestors(const store::Session& session) {
  const auto integration = store_.find_integration(session.integration_id);
  std::string sources;
  if (integration) {
    for (const auto& origin : integration->cors_origins) {
      if (is_plain_origin(origin)) {
        sources += (sources.empty() ? "" : " ") + origin;
      }
    }
  }
  return sources.empty() ? std::string(kNoFraming) : sources;
}

ApiResponse VerificationPage::open(const ApiRequest& request, std::string_view token) {
  try {
    const auto admitted = admit(token);
    if (admitted.refusal) {
      return refusal_page(*admitted.refusal, request,
                          admitted.session ? frame_ancestors(*admitted.session) : std::string(kNoFraming));
    }
    const store::Session& session = *admitted.session;
    // A second visit (the session is started already) starts nothing, and neither does
    // one racing the first: the workflow queues the `started` event once.
    sessions_.start(session.id, auth::random_uuid_v4(), clock_());
    const Language language = language_of(request.query);
    const auto& words = texts(language);
    const std::string& notice =
        language == Language::kEnglish ? options_.page.privacy_notice_en : options_.page.privacy_notice_es;
    boost::json::object data;
    data["texts"] = words;
    data["captureFront"] = options_.page.capture_front;
    data["maxTries"] = options_.page.max_tries;
    data["callback"] = veriff::string_or_null(safe_callback(session.callback));
    const std::string data_json = script_json(data);
    ApiResponse response;
    response.body = render_document("page.html", language, [&](std::string_view key) -> std::string {
      if (key == "data") {
        return std::string(data_json);  // a copy (the lambda may run per {{data}}); already safe in the script
      }
      if (key == "privacy" && !notice.empty()) {
        return html_escape(notice);
      }
      return html_escape(text(words, key));
    });
    add_html_headers(response, frame_ancestors(session));
    return response;
  } catch (const std::exception& e) {
    // Never the token or the path: they identify the session.
    spdlog::error("verification page: {}", e.what());
    return refusal_page(PageRefusal::kInternal, request, kNoFraming);
  }
}

ApiResponse VerificationPage::asset(std::string_view name) {
  const bool served = name == "page.js" || name == "page.css";
  const auto text = served ? web_asset(name) : std::nullopt;
  if (!text) {
    return ApiResponse{404, R"({"error":"not_found"})"};
  }
  ApiResponse response{200, std::string(*text)};
  response.content_type = name.ends_with(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

ApiResponse VerificationPage::upload(const ApiRequest& request, std::string_view token, std::string_view context) {
  try {
    const auto admitted = admit(token);
    if (admitted.refusal) {
      return refusal_json(*admitted.refusal);
    }
    const store::Session& session = *admitted.session;
    // The transport's body limit may be larger (http.max_body_bytes); the API's is this.
    if (request.body.size() > max_photo_bytes(options_.media.max_upload_bytes) ||
        media::exceeds(request.body, options_.media.image)) {
      return refusal_json(PageRefusal::kTooLarge);
    }
    // The reader decodes these three; a phone's HEIC is re-encoded as JPEG by the page.
    const auto mimetype = media::sniff_mimetype(request.body);
    if (!mimetype || !(*mimetype == media::kJpeg || *mimetype == media::kPng || *mimetype == media::kWebp)) {
      return refusal_json(PageRefusal::kUnsupportedImage);
    }
    if (context == kCardFront) {
      return store_photo(session, context, request.body, *mimetype);
    }
    const auto* data = reinterpret_cast<const std::uint8_t*>(request.body.data());
    const vision::MrzReading reading = reader_.read(std::span<const std::uint8_t>(data, request.body.size()));
    if (reading.mrz) {
      // Stored only once read: the check reads the session's card-back images again at
      // submit, and finds exactly this one, as if it had come through the API.
      return store_photo(session, context, request.body, *mimetype);
    }
    const auto counted = sessions_.count_unreadable_photo(session.id);
    if (counted.outcome != sessions::CaptureOutcome::kDone) {
      return refusal_json(refusal_of(counted.outcome));
    }
    const int failed = counted.count;
    boost::json::object body;
    body["read"] = false;
    body["reason"] = vision::read_failure_name(reading.failure);
    body["triesLeft"] = std::max(options_.page.max_tries - failed, 0);
    if (failed >= options_.page.max_tries) {
      // Out of tries: the session goes on as an API client's would with this photo.
      ApiResponse stored = store_photo(session, context, request.body, *mimetype);
      if (stored.status != 200) {
        return stored;
      }
      if (const auto refused = submit_session(session)) {
        return refusal_json(*refused);
      }
      body["submitted"] = true;
    }
    ApiResponse response{200, veriff::to_json(body)};
    add_common_headers(response);
    return response;
  } catch (const std::exception& e) {
    spdlog::error("verification page upload: {}", e.what());
    return refusal_json(PageRefusal::kInternal);
  }
}

ApiResponse VerificationPage::store_photo(const store::Session& session, std::string_view context,
                                          std::string_view bytes, std::string_view mimetype) {
  const store::Media media = sessions::new_media(session.id, context, mimetype, bytes, clock_());
  switch (sessions_.add_media(media, bytes, options_.media.limits)) {
    case sessions::MediaOutcome::kStored:
      break;
    case sessions::MediaOutcome::kSessionNotFound:
      return refusal_json(PageRefusal::kInvalidLink);
    case sessions::MediaOutcome::kSessionNotUploadable:
      return refusal_json(PageRefusal::kClosed);
    case sessions::MediaOutcome::kLimitReached:
      return refusal_json(PageRefusal::kLimitReached);
  }
  ApiResponse response{200, context == kCardFront ? R"({"stored":true})" : R"({"read":true})"};
  add_common_headers(response);
  return response;
}

std::optional<PageRefusal> VerificationPage::submit_session(const store::Session& session) {
  const auto submitted = sessions_.submit(session.id, auth::random_uuid_v4(), clock_());
  switch (submitted.outcome) {
    case sessions::SubmitResult::Outcome::kSubmitted:
      guard_.forget(session.id);
      return std::nullopt;
    case sessions::SubmitResult::Outcome::kNotFound:
      return PageRefusal::kInvalidLink;
    case sessions::SubmitResult::Outcome::kNotAllowed:
      break;
  }
  return PageRefusal::kClosed;
}

ApiResponse VerificationPage::run_step(std::string_view token, std::string_view name, std::string_view done,
                                       const Step& step) {
  try {
    const auto admitted = admit(token);
    if (admitted.refusal) {
      return refusal_json(*admitted.refusal);
    }
    if (const auto refused = step(*admitted.session)) {
      return refusal_json(*refused);
    }
    ApiResponse response{200, std::string(done)};
    add_common_headers(response);
    return response;
  } catch (const std::exception& e) {
    spdlog::error("verification page {}: {}", name, e.what());
    return refusal_json(PageRefusal::kInternal);
  }
}

ApiResponse VerificationPage::submit(std::string_view token) {
  return run_step(token, "submit", R"({"submitted":true})",
                  [this](const store::Session& session) { return submit_session(session); });
}

ApiResponse VerificationPage::cancel(std::string_view token) {
  return run_step(token, "cancel", R"({"canceled":true})",
                  [this](const store::Session& session) -> std::optional<PageRefusal> {
                    const auto outcome = sessions_.cancel_capture(session.id, kPagePhotos);
                    if (outcome != sessions::CaptureOutcome::kDone) {
                      return refusal_of(outcome);
                    }
                    return std::nullopt;
                  });
}

ApiResponse VerificationPage::refusal_json(PageRefusal refusal) {
  const RefusalSpec spec = refusal_spec(refusal);
  ApiResponse response{spec.http_status, R"({"error":")" + std::string(spec.code) + "\"}"};
  add_common_headers(response);
  if (refusal == PageRefusal::kTooManyRequests) {
    response.headers.emplace_back("Retry-After", "60");
  }
  return response;
}

ApiResponse VerificationPage::refusal_page(PageRefusal refusal, const ApiRequest& request,
                                           std::string_view frame_ancestors) const {
  const RefusalSpec spec = refusal_spec(refusal);
  const Language language = language_of(request.query);
  const auto& words = texts(language);
  ApiResponse response;
  response.status = spec.http_status;
  response.body = render_document("refusal.html", language, [&](std::string_view key) -> std::string {
    if (key == "title") {
      return html_escape(text(words, std::string(spec.text_key) + "_title"));
    }
    if (key == "message") {
      return html_escape(text(words, std::string(spec.text_key) + "_text"));
    }
    return html_escape(text(words, key));
  });
  add_html_headers(response, frame_ancestors);
  if (refusal == PageRefusal::kTooManyRequests) {
    response.headers.emplace_back("Retry-After", "60");
  }
  return response;
}

}  // namespace inereg::api
