#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.hpp"
#include "api/page_options.hpp"
#include "auth/integration_directory.hpp"
#include "checks/check_runner.hpp"
#include "http/server.hpp"
#include "metrics/metrics.hpp"
#include "registry/upstream_options.hpp"
#include "sessions/expiry_sweeper.hpp"
#include "sessions/retention_sweeper.hpp"
#include "store/connection_pool.hpp"
#include "webhooks/delivery_options.hpp"

// The operator's settings: a TOML file and INEREG_* environment variables read into the
// options structs their components own. Nothing here builds or wires anything (app/).
namespace inereg::config {

// What the operator set, lowest precedence first: defaults, the TOML file, INEREG_*
// environment variables, command-line flags. Immutable once loaded: app/ builds the
// runtime objects from it and derives nothing back into it. One member per TOML
// section (docs: README "Configuration").
struct Config {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 = any free port
  std::string db = "sqlite:inereg.db";
  std::string master_key;  // 64 hex characters; secrets are sealed with it
  // During a master key rotation (`inereg keys rotate`): the key being replaced, still
  // accepted for what it sealed; "" otherwise.
  std::string previous_master_key;
  std::string public_url;  // host of created sessions, no trailing '/'; "" = http://<bound address>
  std::string log_level = "info";
  http::ServerSettings http;
  api::ApiSettings api;
  api::MediaOptions media;
  auth::DirectoryOptions auth;
  checks::CheckRunnerOptions checks;  // [checks], [vision] threads (reading_threads) and [recheck]
  metrics::MetricsOptions metrics;
  registry::RegistryOptions registry;  // local snapshot or HTTP upstream (docs/UPSTREAM.md)
  webhooks::DeliveryOptions webhooks;
  sessions::ExpiryOptions sessions;
  sessions::RetentionOptions retention;  // the sweep; the periods are per integration (set-retention)
  store::PoolOptions store;
  api::PageOptions page;  // page.*: the verification page at each session's url
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A setting given on the command line: `key` as in the file ("listen", "checks.workers"),
// `origin` names the flag in messages ("--listen").
struct Override {
  std::string key;
  std::string value;
  std::string origin;
};

// Reads the file (if given), the environment and then `overrides`. Throws ConfigError
// naming the setting and where it came from for an unknown key or section in the file,
// an unknown INEREG_* variable (INEREG_TEST_* are the test suites' own and ignored), a
// value of the wrong type or out of range, and settings that contradict each other.
// The master key's value never appears in a message.
Config load_config(const std::optional<std::string>& file, const std::vector<Override>& overrides = {});

// As load_config with a file whose text is `text` (`name` stands for the file's path in
// messages): the same parser, sections, checks and messages, without reading a file.
// For callers that hold the text already (the config_toml fuzz target, which would
// otherwise write a file per input).
Config load_config_text(std::string_view text, const std::string& name, const std::vector<Override>& overrides = {});

// A setting's names: in the file ("checks.workers") and in the environment
// ("INEREG_CHECKS_WORKERS").
struct SettingName {
  std::string key;
  std::string env;
};

// Every setting, in table order; the keys of the [source.NAME] sections as
// "source.*.url" / "INEREG_SOURCE_*_URL".
std::vector<SettingName> setting_names();

struct ListenAddress {
  std::string host;  // without the brackets of an IPv6 literal
  std::uint16_t port = 0;
};

// "127.0.0.1:8080", "[::1]:8080" -> host, port. Throws ConfigError.
ListenAddress parse_listen(std::string_view listen);

}  // namespace inereg::config
