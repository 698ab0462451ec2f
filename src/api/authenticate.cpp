#include "api/authenticate.hpp"

#include <algorithm>
#include <cctype>

#include "api/errors.hpp"
#include "auth/signing.hpp"

namespace inereg::api {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

Caller identify_caller(auth::IntegrationDirectory& directory, const ApiRequest& request, bool signature_required) {
  if (!request.auth_client || request.auth_client->empty()) {
    throw ApiError(ErrorKind::kApiKeyMissing);
  }
  if (!auth::is_uuid(*request.auth_client)) {
    throw ApiError(ErrorKind::kApiKeyNotUuid);
  }
  auto integration = directory.find_by_api_key(*request.auth_client);
  if (!integration) {
    throw ApiError(ErrorKind::kIntegrationNotFound);
  }
  if (!integration->active) {
    throw ApiError(ErrorKind::kIntegrationInactive);
  }
  // Veriff's "flexible API keys" let one key act for several integrations, picked by
  // vrf-integration-id (veriff-api.md §4.4). Here a key belongs to exactly one
  // integration: naming another is naming an integration this key does not reach,
  // refused before the signature (whose secret it would select).
  if (request.integration_id && !request.integration_id->empty() &&
      !equal_ignoring_case(*request.integration_id, integration->id)) {
    throw ApiError(ErrorKind::kIntegrationNotFound,
                   "Integration with the API key was not found: vrf-integration-id names another integration.");
  }
  const auto& signature = request.hmac_signature ? request.hmac_signature : request.legacy_signature;
  if (signature ? !auth::is_sha256_hex(*signature) : signature_required) {
    throw ApiError(ErrorKind::kSignatureMalformed);
  }
  return Caller{integration, 0, false};
}

BodySignature::BodySignature(std::shared_ptr<const auth::ResolvedIntegration> integration, bool legacy)
    : integration_(std::move(integration)),
      legacy_(legacy),
      signature_(legacy ? auth::StreamingSignature::Scheme::kLegacy : auth::StreamingSignature::Scheme::kHmac,
                 integration_->secrets) {}

std::shared_ptr<BodySignature> watch_body_signature(auth::IntegrationDirectory& directory, const ApiRequest& head,
                                                    bool signature_required) {
  if (!head.hmac_signature && !head.legacy_signature) {
    return nullptr;
  }
  try {
    const Caller caller = identify_caller(directory, head, signature_required);
    if (caller.integration->secrets.empty()) {
      return nullptr;  // authenticate() answers that one without a signature
    }
    return std::make_shared<BodySignature>(caller.integration, !head.hmac_signature && head.legacy_signature);
  } catch (const ApiError&) {
    return nullptr;  // admit() refused it already; nothing to digest
  }
}

Caller authenticate(auth::IntegrationDirectory& directory, const ApiRequest& request, SignedPart part,
                    std::string_view signed_message, bool signature_required) {
  Caller caller = identify_caller(directory, request, signature_required);
  const auto& integration = caller.integration;
  const bool legacy = !request.hmac_signature && request.legacy_signature;
  const auto& signature = legacy ? request.legacy_signature : request.hmac_signature;
  if (!signature) {
    return caller;  // optional here, and absent (identify_caller refused a missing required one)
  }
  if (integration->secrets.empty()) {
    // No secret to verify with: none could be decrypted with this master key (logged
    // by the directory). Not the client's mismatch, so not 1818/1819.
    throw ApiError(ErrorKind::kAuthenticationFailed);
  }
  // The signature computed while the body was read, when it covers exactly this body
  // for this integration's secrets and this scheme: no second pass over the body.
  auto* streamed = part == SignedPart::kBody ? dynamic_cast<BodySignature*>(request.body_digest) : nullptr;
  if (streamed != nullptr && streamed->integration_->id == integration->id &&
      streamed->integration_->secrets == integration->secrets && streamed->legacy_ == legacy &&
      streamed->signature_.bytes() == signed_message.size()) {
    if (const auto matched = streamed->signature_.match(*signature)) {
      caller.signing_secret = *matched;
      caller.legacy_scheme = legacy;
      return caller;
    }
  } else {
    for (std::size_t i = 0; i < integration->secrets.size(); ++i) {
      const bool matched =
          legacy ? auth::signature_matches(*signature, auth::legacy_sha256(signed_message, integration->secrets[i]))
                 : auth::signature_matches(*signature, integration->keys.at(i).sign(signed_message));
      if (matched) {
        caller.signing_secret = i;
        caller.legacy_scheme = legacy;
        return caller;
      }
    }
  }
  if (legacy) {
    throw ApiError(part == SignedPart::kPathId ? ErrorKind::kLegacySignatureIdMismatch
                                               : ErrorKind::kLegacySignatureBodyMismatch);
  }
  throw ApiError(part == SignedPart::kPathId ? ErrorKind::kSignatureIdMismatch : ErrorKind::kSignatureBodyMismatch);
}

void sign_response(ApiResponse& response, const Caller& caller) {
  const auto& integration = *caller.integration;
  response.headers.reserve(response.headers.size() + 2);
  response.headers.emplace_back("X-AUTH-CLIENT", integration.api_key);
  // No secret at all (none could be decrypted) only when the request needed none: the
  // empty key, as before the keys were processed once.
  const bool keyed = caller.signing_secret < integration.secrets.size();
  const std::string_view secret = keyed ? std::string_view(integration.secrets[caller.signing_secret]) : "";
  if (caller.legacy_scheme) {
    response.headers.emplace_back("X-SIGNATURE", auth::legacy_sha256_hex(response.body, secret));
  } else {
    response.headers.emplace_back("X-HMAC-SIGNATURE",
                                  keyed ? integration.keys.at(caller.signing_secret).sign_hex(response.body)
                                        : auth::hmac_sha256_hex(secret, response.body));
  }
}

}  // namespace inereg::api
