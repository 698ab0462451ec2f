#pragma once

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

CreatedIntegration create_integration(store::Store& store, const auth::SecretBox& box, std::string_view name,
                                      store::TimeMs now);

// Adds a new shared secret; the old ones keep verifying until revoked. Returns the
// new secret, or nullopt for an unknown integration.
std::optional<std::string> rotate_secret(store::Store& store, const auth::SecretBox& box,
                                         std::string_view integration_id, store::TimeMs now);

}  // namespace inereg::admin
