#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "api/page_options.hpp"
#include "checks/check_runner.hpp"
#include "http/server.hpp"
#include "registry/upstream_options.hpp"
#include "sessions/expiry_sweeper.hpp"
#include "store/records.hpp"
#include "webhooks/delivery_options.hpp"

namespace inereg::config {

// Immutable settings, built once at start-up. Precedence, lowest first: defaults, the
// TOML file, INEREG_* environment variables, command-line flags.
struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:inereg.db";
  std::string master_key;  // 64 hex characters; secrets are sealed with it
  std::string public_url;  // host of created sessions; defaults to http://<listen>
  std::string log_level = "info";
  std::int64_t integration_cache_ms = 2'000;
  std::int64_t result_cache_ms = 5'000;  // completed ine-registry answers kept in memory
  // DELETE /v1/sessions/{id} (api.delete_enabled; Veriff: "enabled on request", which a
  // self-hosted operator grants by default) and its per-integration limits
  // (api.delete_limit_per_hour / api.delete_limit_per_day; 0 = no limit).
  bool delete_enabled = true;
  store::DeleteRateLimit delete_limit;
  std::size_t media_max_upload_bytes = 24 << 20;  // base64 characters of one uploaded image
  store::MediaLimits media_limits;                // files and decoded bytes per session
  http::ServerOptions http;
  checks::CheckRunnerOptions checks;
  bool metrics_enabled = true;         // GET /metrics (Prometheus text, unauthenticated)
  registry::RegistryOptions registry;  // registry.*: local snapshot or HTTP upstream (docs/UPSTREAM.md)
  webhooks::DeliveryOptions webhooks;
  sessions::ExpiryOptions sessions;
  api::PageOptions page;  // page.*: the verification page at each session's url
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the file (if given) and the environment. Throws ConfigError naming the bad
// key; the master key's value never appears in a message.
Config load_config(const std::optional<std::string>& file);

// "127.0.0.1:8080", "[::1]:8080" -> host, port. Throws ConfigError.
void parse_listen(const std::string& listen, std::string& host, std::uint16_t& port);

// Fills http.host/port and public_url from `listen` once every source is applied
// (public_url stays empty for port 0: the bound port is known only after listening),
// and checks settings that depend on each other. Throws ConfigError.
void finalize(Config& config);

}  // namespace inereg::config
