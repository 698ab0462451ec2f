// POST /v1/sessions/{id}/media, GET /v1/sessions/{id}/media, GET /v1/media/{id}
// (veriff-api.md §4.7, §4.8). Uploads and downloads run on the blocking pool: a body
// of up to 24 MB is parsed, decoded, hashed and committed (or read and signed).
#include "api/api.hpp"
#include "api/errors.hpp"
#include "api/json_fields.hpp"
#include "auth/secret_box.hpp"
#include "media/image_content.hpp"
#include "util/time.hpp"
#include "veriff/json.hpp"

namespace inereg::api {
namespace {

// One image object, as both the upload answer and the session's list carry it
// (§4.8: id, name, context, timestamp, size, mimetype, url, sessionId). `name` is the
// context, as Veriff names uploaded images; `timestamp` is deprecated and always null.
boost::json::object image_json(const store::Media& media, const std::string& public_url) {
  boost::json::object image;
  image["id"] = media.id;
  image["name"] = media.context;
  image["context"] = media.context;
  image["timestamp"] = nullptr;
  image["size"] = media.size;
  image["mimetype"] = media.mimetype;
  image["url"] = public_url + "/v1/media/" + media.id;
  image["sessionId"] = media.session_id;
  return image;
}

[[noreturn]] void throw_content_error(media::ContentError error, const media::ContentResult& result) {
  switch (error) {
    case media::ContentError::kEmpty:
      throw ApiError(ErrorKind::kImageDataNotFound);
    case media::ContentError::kNotBase64:
      throw ApiError(ErrorKind::kImageNotBase64);
    case media::ContentError::kUnsupportedType:
      throw ApiError(ErrorKind::kInvalidParameters,
                     "Request includes invalid parameters: image.content is not a JPEG, PNG, WebP, HEIF/HEIC or PDF "
                     "file.");
    case media::ContentError::kDeclaredTypeDiffers:
      throw ApiError(ErrorKind::kInvalidParameters, "Request includes invalid parameters: image.content is " +
                                                        std::string(result.sniffed_mimetype) + ", not the " +
                                                        result.declared_mimetype + " its data URI declares.");
  }
  throw ApiError(ErrorKind::kInternal);
}

}  // namespace

ApiResponse Api::upload_media(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  const boost::json::object root = parse_object_body(request.body);
  const boost::json::object* image = optional_object(root, "image", "image");
  if (image == nullptr) {
    throw ApiError(ErrorKind::kImagePropertyMissing);
  }
  const auto context = optional_string(image, "context", "image.context");
  if (!context || !media::is_known_context(*context)) {
    throw ApiError(ErrorKind::kImageContextNotSupported);
  }
  // Optional and deprecated (answered as null); only its form is checked, by the one
  // rule every request-body timestamp follows (util::parse_iso8601: Z or an offset, as
  // official clients send), so an upload refuses exactly what session creation refuses.
  const auto timestamp = optional_string(image, "timestamp", "image.timestamp");
  if (timestamp && !util::parse_iso8601(*timestamp)) {
    throw ApiError(ErrorKind::kTimestampFormat);
  }
  const auto* content = image->if_contains("content");
  if (content == nullptr || content->is_null()) {
    throw ApiError(ErrorKind::kImageDataNotFound);
  }
  if (!content->is_string()) {
    throw ApiError(ErrorKind::kImageNotBase64);
  }
  const std::string_view content_text = content->as_string();
  if (content_text.size() > options_.media.max_upload_bytes) {
    throw ApiError(
        ErrorKind::kPayloadTooLarge,
        "Image content is larger than " + std::to_string(options_.media.max_upload_bytes) + " bytes of base64.");
  }
  // Ownership and status before the expensive decode; add_media re-checks the status
  // atomically with the write, which is what makes a racing submit safe.
  const store::Session session = owned_session(session_id, caller);
  if (!sessions::may_upload_media(sessions::stored_status(session.status))) {
    throw ApiError(ErrorKind::kSessionNotUploadable);
  }
  media::ContentResult decoded = media::decode_image_content(content_text);
  if (decoded.error) {
    throw_content_error(*decoded.error, decoded);
  }
  if (media::exceeds(decoded.image->bytes, options_.media.image)) {
    throw ApiError(ErrorKind::kInvalidParameters,
                   "Request includes invalid parameters: image.content declares more than " +
                       std::to_string(options_.media.image.max_pixels) + " pixels or a side longer than " +
                       std::to_string(options_.media.image.max_side) + " pixels.");
  }

  const store::Media media =
      sessions::new_media(session.id, *context, decoded.image->mimetype, decoded.image->bytes, clock_());
  switch (sessions_.add_media(media, decoded.image->bytes, options_.media.limits)) {
    case sessions::MediaOutcome::kStored:
      break;
    case sessions::MediaOutcome::kSessionNotFound:
      throw ApiError(ErrorKind::kNotFound);  // deleted meanwhile
    case sessions::MediaOutcome::kSessionNotUploadable:
      throw ApiError(ErrorKind::kSessionNotUploadable);  // submitted meanwhile
    case sessions::MediaOutcome::kLimitReached:
      throw ApiError(ErrorKind::kMediaLimitReached);
  }
  boost::json::object body;
  body["status"] = "success";
  body["image"] = image_json(media, options_.public_url);
  // 200, not 201: the status third-party clients record for this route (Veriff's own
  // page leaves it open, veriff-api.md §4.7), so a client checking for 200 keeps working;
  // 201 stays the answer of POST /v1/sessions only.
  return ApiResponse{200, veriff::to_json(body)};
}

ApiResponse Api::list_media(std::string_view session_id, Caller& caller) {
  const store::Session session = owned_session(session_id, caller);
  boost::json::array images;
  for (const auto& media : store_.list_media(session.id)) {
    images.push_back(image_json(media, options_.public_url));
  }
  boost::json::object body;
  body["status"] = "success";
  body["images"] = std::move(images);
  body["videos"] = boost::json::array();  // inereg takes images only
  return ApiResponse{200, veriff::to_json(body)};
}

ApiResponse Api::get_media(std::string_view media_id, Caller& caller) {
  if (!auth::is_uuid(media_id)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  auto file = store_.find_media(media_id);
  // Another integration's media is indistinguishable from an unknown id.
  if (!file || file->integration_id != caller.integration->id) {
    throw ApiError(ErrorKind::kNotFound);
  }
  ApiResponse response{200, std::move(file->bytes)};
  response.content_type = media::served_mimetype(file->media.mimetype);
  // The bytes are the client's upload: no browser may reinterpret them as HTML.
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace inereg::api
