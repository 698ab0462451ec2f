#include "auth/integration_directory.hpp"

#include <algorithm>
#include <mutex>

#include <spdlog/spdlog.h>

namespace inereg::auth {

IntegrationDirectory::IntegrationDirectory(store::Store& store, const SecretBox& secret_box, std::int64_t ttl_ms,
                                           Clock clock)
    : store_(store), secret_box_(secret_box), ttl_ms_(ttl_ms), clock_(std::move(clock)) {}

std::shared_ptr<const ResolvedIntegration> IntegrationDirectory::find_by_api_key(std::string_view api_key) {
  const std::int64_t now = clock_();
  {
    std::shared_lock lock(mutex_);
    const auto it = entries_.find(api_key);
    if (it != entries_.end() && it->second.expires_at > now) {
      return it->second.integration;
    }
  }
  const auto stored = store_.find_integration_by_api_key(api_key);
  std::shared_ptr<const ResolvedIntegration> resolved;
  if (stored) {
    auto integration = std::make_shared<ResolvedIntegration>();
    integration->id = stored->id;
    integration->api_key = stored->api_key;
    integration->active = stored->active;
    integration->cors_origins = stored->cors_origins;
    integration->registry_checks = stored->registry_checks;
    // Byte order for binary search, whatever the database's collation sorted by.
    std::sort(integration->cors_origins.begin(), integration->cors_origins.end());
    for (const auto& secret : stored->secrets) {
      if (auto plain = secret_box_.open(secret.sealed)) {
        integration->keys.emplace_back(*plain);
        integration->secrets.push_back(std::move(*plain));
      } else {
        spdlog::error("integration {}: secret {} cannot be decrypted with this master key", stored->id, secret.id);
      }
    }
    resolved = std::move(integration);
  }
  std::unique_lock lock(mutex_);
  if (entries_.size() >= kMaxEntries) {
    entries_.clear();  // bounded memory under a flood of unknown keys
  }
  entries_[std::string(api_key)] = Entry{resolved, now + ttl_ms_};
  return resolved;
}

}  // namespace inereg::auth
