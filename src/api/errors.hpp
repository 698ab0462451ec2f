#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "api/messages.hpp"

// The one error vocabulary of the API, mapped to HTTP status and Veriff code in
// exactly one place (errors.cpp). The public message is what the client sees; the
// internal detail (if any) goes only to the log.
namespace inereg::api {

enum class ErrorKind {
  kValidationFailed,             // 400 1101
  kMandatoryParameters,          // 400 1102
  kInvalidParameters,            // 400 1104
  kInvalidStatus,                // 400 1303
  kTransitionNotAllowed,         // 400 1304
  kSessionNotCompleted,          // 400 1305, numeric "status" (DELETE)
  kVendorDataTooLong,            // 400 1500
  kVendorDataNotString,          // 400 1501
  kApiKeyMissing,                // 401 1801
  kApiKeyNotUuid,                // 401 1802
  kIntegrationNotFound,          // 401 1803
  kIntegrationInactive,          // 401 1804
  kSignatureMalformed,           // 401 1812
  kLegacySignatureIdMismatch,    // 401 1813
  kLegacySignatureBodyMismatch,  // 401 1814
  kSignatureIdMismatch,          // 401 1818
  kSignatureBodyMismatch,        // 401 1819
  kNotFound,                     // 404 1101
  kPayloadTooLarge,              // 413 1101
  kHeaderTooLarge,               // 431 1101 (refused by the HTTP server)
  kMalformedRequest,             // 400 1101 (not HTTP/1.1; refused by the HTTP server)
  kImageDataNotFound,            // 400 1400
  kImageNotBase64,               // 400 1401
  kImageContextNotSupported,     // 400 1402
  kImagePropertyMissing,         // 400 1403
  kSessionNotUploadable,         // 409 1101 (media upload after submit)
  kMediaLimitReached,            // 409 1101 (files or bytes per session)
  kInternal,                     // 500 1101
  kTimestampTooOld,              // 400 1201
  kTimestampFormat,              // 400 1202
  kInvalidDate,                  // 400 1203
  kFeaturesNotSupported,         // 400 1301
  kHttpsCallbackRequired,        // 400 1302
  kAuthenticationFailed,         // 401 1815
  kOriginNotAllowed,             // 403 1101 (CORS preflight from an origin no integration allows)
  kDeleteDisabled,               // 403 1101 (api.delete_enabled = false)
  kTooManyRequests,              // 429 1101 (DELETE rate limit)
  kOverloaded,                   // 503 1101 (request bodies in flight at their cap; refused by the HTTP server)
};

struct ErrorSpec {
  int http_status;
  std::string_view code;
  std::string_view message;
  bool numeric_status = false;  // DELETE's documented 400 body carries "status":400
};

ErrorSpec error_spec(ErrorKind kind);

// Thrown by handlers; the router turns it into the documented error response.
class ApiError : public std::runtime_error {
 public:
  // `headers` go out with the error (e.g. Retry-After on a 429).
  explicit ApiError(ErrorKind kind, std::string public_message = {}, http::Headers headers = {})
      : std::runtime_error(public_message),
        kind_(kind),
        public_message_(std::move(public_message)),
        headers_(std::move(headers)) {}
  ErrorKind kind() const { return kind_; }
  // The spec's message unless the handler gave a more precise one (e.g. naming a field).
  std::string_view public_message() const;
  const http::Headers& headers() const { return headers_; }

 private:
  ErrorKind kind_;
  std::string public_message_;
  http::Headers headers_;
};

// Veriff's error body for `kind` (veriff/error_body.hpp), with `message`.
std::string error_body(ErrorKind kind, std::string_view message);

// The whole answer: the table's status, the body and the error's headers.
ApiResponse error_response(const ApiError& error);
// The same for `kind` with the table's message and no headers.
ApiResponse error_response(ErrorKind kind);

// The answer to a request the HTTP server refuses before any route runs.
ApiResponse refusal_response(http::Refusal refusal);

}  // namespace inereg::api
