#include "admin/integrations.hpp"

namespace inereg::admin {

CreatedIntegration create_integration(store::Store& store, const auth::SecretBox& box, std::string_view name,
                                      store::TimeMs now) {
  CreatedIntegration created{auth::random_uuid_v4(), std::string(name), auth::random_uuid_v4(), auth::random_uuid_v4()};
  store::Integration integration;
  integration.id = created.id;
  integration.name = created.name;
  integration.api_key = created.api_key;
  integration.active = true;
  integration.created_at = now;
  store.create_integration(integration, box.seal(created.shared_secret));
  return created;
}

std::optional<std::string> rotate_secret(store::Store& store, const auth::SecretBox& box,
                                         std::string_view integration_id, store::TimeMs now) {
  if (!store.find_integration(integration_id)) {
    return std::nullopt;
  }
  std::string secret = auth::random_uuid_v4();
  store.add_integration_secret(integration_id, box.seal(secret), now);
  return secret;
}

}  // namespace inereg::admin
