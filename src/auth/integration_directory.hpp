#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "store/store.hpp"

namespace inereg::auth {

// An integration as the request path needs it: its secrets already decrypted.
struct ResolvedIntegration {
  std::string id;
  std::string api_key;
  bool active = true;
  std::vector<std::string> secrets;       // unrevoked shared secrets, newest first
  std::vector<HmacKey> keys;              // secrets[i]'s HMAC key, processed once (one per secret)
  std::vector<std::string> cors_origins;  // browser origins allowed to create sessions, sorted
  store::RegistryChecks registry_checks = store::RegistryChecks::kIne;  // what its new sessions get
};

// `auth.*` in the config.
struct DirectoryOptions {
  // How long an integration (and every integration's CORS origins) is cached: how soon
  // a CLI change (deactivate, revoke, set-cors-origins, set-checks) reaches a running server.
  std::int64_t integration_cache_ms = 2'000;
};

// Finds integrations by API key for every request without a database round trip and
// an AES decryption each time: entries are cached for `ttl`, so a deactivation or a
// secret revoked by the CLI (another process) takes effect within `ttl`.
// Thread-safe.
class IntegrationDirectory {
 public:
  using Clock = std::function<std::int64_t()>;
  IntegrationDirectory(store::Store& store, const SecretBox& secret_box, std::int64_t ttl_ms, Clock clock);

  // nullptr for an unknown API key.
  std::shared_ptr<const ResolvedIntegration> find_by_api_key(std::string_view api_key);

 private:
  // The integrations a thread found last, each its own copy of the shared entry with the
  // same expiry: a request finds its integration without the shared lock, and the copy's
  // reference count stays on the thread's core (bench/README.md, "Lines the I/O threads
  // shared"). Keyed by the directory's serial, not its address, which another directory
  // may reuse.
  struct ThreadEntry {
    std::uint64_t directory = 0;
    std::string api_key;
    std::shared_ptr<const ResolvedIntegration> integration;
    std::int64_t expires_at = 0;
  };
  static constexpr std::size_t kThreadEntries = 4;
  struct ThreadEntries {
    std::array<ThreadEntry, kThreadEntries> entries;
    std::size_t next = 0;  // the slot the next new entry takes
  };
  static ThreadEntries& this_thread_entries();
  // Shared entries, each a store read and the secrets' decryption when it expired.
  std::pair<std::shared_ptr<const ResolvedIntegration>, std::int64_t> find_shared(std::string_view api_key,
                                                                                  std::int64_t now);

  struct Entry {
    std::shared_ptr<const ResolvedIntegration> integration;
    std::int64_t expires_at = 0;
  };
  static constexpr std::size_t kMaxEntries = 10'000;

  // Looked up by the request's string_view, without making a std::string of it.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };

  const std::uint64_t serial_;
  store::Store& store_;
  const SecretBox& secret_box_;
  const std::int64_t ttl_ms_;
  const Clock clock_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries_;
};

}  // namespace inereg::auth
