#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/secret_box.hpp"
#include "store/store.hpp"

// Operator actions on integrations, shared by the CLI, the demo and the tests.
namespace inereg::admin {

struct CreatedIntegration {
  std::string id;
  std::string name;
  std::string api_key;        // UUID v4
  std::string shared_secret;  // shown once; stored only sealed
};

// `cors_origins`: browser origins allowed to create sessions, already normalized
// (normalize_cors_origin).
CreatedIntegration create_integration(store::Store& store, const auth::SecretBox& box, std::string_view name,
                                      store::TimeMs now, std::span<const std::string> cors_origins = {});

// A browser origin written as browsers send it in the Origin header, so that an exact
// comparison suffices: "http" or "https", lowercase host, the port only when it is not
// the scheme's default, no path, query or user info ("https://shop.example.com",
// "http://127.0.0.2:8000"). nullopt when `text` is no such origin ("*" included).
std::optional<std::string> normalize_cors_origin(std::string_view text);

// Adds a new shared secret; the old ones keep verifying until revoked. Returns the
// new secret, or nullopt for an unknown integration.
std::optional<std::string> rotate_secret(store::Store& store, const auth::SecretBox& box,
                                         std::string_view integration_id, store::TimeMs now);

}  // namespace inereg::admin
