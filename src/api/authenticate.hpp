#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/messages.hpp"
#include "auth/integration_directory.hpp"
#include "auth/signing.hpp"
#include "http/exchange.hpp"

namespace inereg::api {

// Who is calling, once X-AUTH-CLIENT and the signature have been checked.
struct Caller {
  std::shared_ptr<const auth::ResolvedIntegration> integration;
  // integration->secrets[signing_secret]: the secret that verified the request, with
  // which responses are signed (the first one when the request carried no signature).
  std::size_t signing_secret = 0;
  bool legacy_scheme = false;  // the request used X-SIGNATURE, so the response does too
};

// What the request's signature covers (veriff-api.md §2.2).
enum class SignedPart { kPathId, kBody };

// The part of authentication the headers alone decide: the API key names an active
// integration (and vrf-integration-id no other), and a signature header is present
// when `signature_required` and well formed when present. Runs before a request's
// body is read (Api::admit), and again as the first half of authenticate(). Throws
// ApiError (18xx) on failure.
Caller identify_caller(auth::IntegrationDirectory& directory, const ApiRequest& request, bool signature_required);

// A body's signature computed while the server reads the body (http::BodyDigest): made
// by watch_body_signature once the headers have identified the caller, fed every body
// piece as it arrives, then asked by authenticate() instead of a second pass over the
// body. Holds one OpenSSL context per unrevoked secret of the caller's integration.
class BodySignature final : public http::BodyDigest {
 public:
  BodySignature(std::shared_ptr<const auth::ResolvedIntegration> integration, bool legacy);
  void update(std::string_view piece) override { signature_.update(piece); }

 private:
  friend Caller authenticate(auth::IntegrationDirectory&, const ApiRequest&, SignedPart, std::string_view, bool);
  std::shared_ptr<const auth::ResolvedIntegration> integration_;
  bool legacy_;
  auth::StreamingSignature signature_;
};

// The BodySignature to feed `head`'s body to, when its route signs the body and it
// carries a signature its headers would let through (identify_caller); else nullptr.
std::shared_ptr<BodySignature> watch_body_signature(auth::IntegrationDirectory& directory, const ApiRequest& head,
                                                    bool signature_required);

// Checks the API key and the signature over `signed_message`, trying every unrevoked
// secret (rotation). `signature_required` is false only for POST /v1/sessions, where a
// signature is verified when present. A body signature (SignedPart::kBody) is taken from
// the request's BodySignature when the server fed it the whole body for the same
// integration and scheme, and computed over `signed_message` otherwise (a caller without
// a server: the fuzz targets, benches). Throws ApiError (18xx) on failure.
Caller authenticate(auth::IntegrationDirectory& directory, const ApiRequest& request, SignedPart part,
                    std::string_view signed_message, bool signature_required);

// Adds X-AUTH-CLIENT and the response signature over the exact body bytes.
void sign_response(ApiResponse& response, const Caller& caller);

}  // namespace inereg::api
