#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

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
};

struct ErrorSpec {
  int http_status;
  std::string_view code;
  std::string_view message;
  bool numeric_status = false;  // DELETE's documented 400 body carries "status":400
};

ErrorSpec error_spec(ErrorKind kind);

// Thrown by handlers; the router turns it into the documented error body.
class ApiError : public std::runtime_error {
 public:
  explicit ApiError(ErrorKind kind, std::string public_message = {})
      : std::runtime_error(public_message), kind_(kind), public_message_(std::move(public_message)) {}
  ErrorKind kind() const { return kind_; }
  // The spec's message unless the handler gave a more precise one (e.g. naming a field).
  std::string_view public_message() const;

 private:
  ErrorKind kind_;
  std::string public_message_;
};

// {"status":"fail","code":"…","message":"…"} (or the numeric-status variant), compact.
std::string error_body(ErrorKind kind, std::string_view message);

}  // namespace inereg::api
