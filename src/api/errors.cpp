#include "api/errors.hpp"

#include "veriff/error_body.hpp"

namespace inereg::api {

ErrorSpec error_spec(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kValidationFailed:
      return {400, "1101", "Validation failed"};
    case ErrorKind::kMandatoryParameters:
      return {400, "1102", "Mandatory parameters are missing from the request."};
    case ErrorKind::kInvalidParameters:
      return {400, "1104", "Request includes invalid parameters."};
    case ErrorKind::kInvalidStatus:
      return {400, "1303", "Invalid status."};
    case ErrorKind::kTransitionNotAllowed:
      return {400, "1304", "Cannot transition to the requested status."};
    case ErrorKind::kSessionNotCompleted:
      return {400, "1305", "Session is not in a completed status.", true};
    case ErrorKind::kVendorDataTooLong:
      return {400, "1500",
              "vendorData field cannot be more than 1000 symbols. Use only non-semantic data (e.g. UUID) that "
              "can not be resolved or used outside your systems or environments."};
    case ErrorKind::kVendorDataNotString:
      return {400, "1501",
              "vendorData must be a string. Use only non-semantic data (e.g. UUID) that can not be resolved or "
              "used outside your systems or environments."};
    case ErrorKind::kApiKeyMissing:
      // Word for word the example on the ine-registry reference page.
      return {401, "1801", "Mandatory X-AUTH-CLIENT header containing the API key is missing from the request."};
    case ErrorKind::kApiKeyNotUuid:
      return {401, "1802", "API key is not a valid UUID"};
    case ErrorKind::kIntegrationNotFound:
      return {401, "1803", "Integration with the API key was not found"};
    case ErrorKind::kIntegrationInactive:
      return {401, "1804", "Integration with the API key is not active"};
    case ErrorKind::kSignatureMalformed:
      return {401, "1812", "Signature is not a valid SHA256 hash"};
    case ErrorKind::kLegacySignatureIdMismatch:
      return {401, "1813", "Signature does not match the SHA256 hash of query ID and integration API secret"};
    case ErrorKind::kLegacySignatureBodyMismatch:
      return {401, "1814", "Signature does not match the SHA256 hash of request body and integration API secret"};
    case ErrorKind::kSignatureIdMismatch:
      return {401, "1818", "Signature does not match the HMAC-SHA256 of query ID and integration API secret"};
    case ErrorKind::kSignatureBodyMismatch:
      return {401, "1819", "Signature does not match the HMAC-SHA256 of request body and integration API secret"};
    case ErrorKind::kNotFound:
      return {404, "1101", "Resource not found"};
    case ErrorKind::kPayloadTooLarge:
      return {413, "1101", "Request body is too large"};
    case ErrorKind::kHeaderTooLarge:
      return {431, "1101", "Request header fields too large"};
    case ErrorKind::kMalformedRequest:
      return {400, "1101", "Malformed HTTP request"};
    case ErrorKind::kImageDataNotFound:
      return {400, "1400", "Image data not found."};
    case ErrorKind::kImageNotBase64:
      return {400, "1401", "Image is not in valid base64."};
    case ErrorKind::kImageContextNotSupported:
      return {400, "1402", "Image context is not supported."};
    case ErrorKind::kImagePropertyMissing:
      return {400, "1403", "Image property is missing."};
    case ErrorKind::kSessionNotUploadable:
      // Veriff documents the 409 ("upload media after you have submitted the session"), not its body.
      return {409, "1101", "Media cannot be uploaded to a session that was submitted."};
    case ErrorKind::kMediaLimitReached:
      return {409, "1101", "The session already holds as many media files as it may."};
    case ErrorKind::kInternal:
      return {500, "1101", "Something went wrong"};
    case ErrorKind::kTimestampTooOld:
      return {400, "1201", "Invalid timestamp. Timestamp must not be older than one hour."};
    case ErrorKind::kTimestampFormat:
      return {400, "1202", "Timestamp format is incorrect. YYYY-MM-DDTHH:MM:S+Timezone Offset|Z or UTC."};
    case ErrorKind::kInvalidDate:
      return {400, "1203", "Invalid ISO 8601 date. Date needs to be in format YYYY-MM-DD."};
    case ErrorKind::kFeaturesNotSupported:
      return {400, "1301", "Requested features are not supported."};
    case ErrorKind::kHttpsCallbackRequired:
      return {400, "1302", "Only HTTPS return URLs are allowed."};
    case ErrorKind::kAuthenticationFailed:
      return {401, "1815", "Could not authenticate request"};
    case ErrorKind::kOriginNotAllowed:
      return {403, "1101", "Origin is not allowed"};
    case ErrorKind::kDeleteDisabled:
      return {403, "1101", "Deleting sessions is disabled on this service"};
    case ErrorKind::kTooManyRequests:
      // The title of DELETE's documented 429.
      return {429, "1101", "Too many requests"};
    case ErrorKind::kOverloaded:
      return {503, "1101", "Service is busy, retry shortly"};
  }
  return {500, "1101", "Something went wrong"};
}

std::string_view ApiError::public_message() const {
  return public_message_.empty() ? error_spec(kind_).message : std::string_view(public_message_);
}

std::string error_body(ErrorKind kind, std::string_view message) {
  const ErrorSpec spec = error_spec(kind);
  return spec.numeric_status ? veriff::error_body_with_numeric_status(spec.http_status, spec.code, message)
                             : veriff::error_body(spec.code, message);
}

ApiResponse error_response(const ApiError& error) {
  ApiResponse response{error_spec(error.kind()).http_status, error_body(error.kind(), error.public_message())};
  response.headers = error.headers();
  return response;
}

ApiResponse error_response(ErrorKind kind) {
  return ApiResponse{error_spec(kind).http_status, error_body(kind, error_spec(kind).message)};
}

ApiResponse refusal_response(http::Refusal refusal) {
  switch (refusal) {
    case http::Refusal::kMalformedRequest:
      return error_response(ErrorKind::kMalformedRequest);
    case http::Refusal::kBodyTooLarge:
      return error_response(ErrorKind::kPayloadTooLarge);
    case http::Refusal::kHeaderTooLarge:
      return error_response(ErrorKind::kHeaderTooLarge);
    case http::Refusal::kOverloaded:
      return error_response(ApiError(ErrorKind::kOverloaded, {}, {{"Retry-After", "1"}}));
  }
  return error_response(ErrorKind::kInternal);
}

}  // namespace inereg::api
