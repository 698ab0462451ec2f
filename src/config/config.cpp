#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <type_traits>
#include <variant>

#include <toml++/toml.h>

extern char** environ;

namespace inereg::config {
namespace {

// Variables with this prefix belong to the test suites (INEREG_TEST_BACKEND,
// INEREG_TEST_POSTGRES_URL, …), which run inereg with them set; every other INEREG_*
// variable must name a setting.
constexpr std::string_view kEnvPrefix = "INEREG_";
constexpr std::string_view kTestEnvPrefix = "INEREG_TEST_";

// A value as its source gives it: a typed TOML node, or the text of an environment
// variable or a flag.
using Value = std::variant<const toml::node*, std::string>;

// Which setting a value is for and where it came from, for messages:
// "checks.workers (in /etc/inereg.toml)", "checks.workers (INEREG_CHECKS_WORKERS)".
struct Place {
  std::string name;
  std::string origin;
};

[[noreturn]] void fail(const Place& place, const std::string& problem) {
  throw ConfigError(place.name + " (" + place.origin + ") " + problem);
}

std::optional<std::int64_t> integer_from_text(const std::string& text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size()) {
      return value;
    }
  } catch (const std::logic_error&) {
  }
  return std::nullopt;
}

// An integer in [min, max]; TOML integers and their text ("3") are both accepted.
std::int64_t read_integer(const Value& value, const Place& place, std::int64_t min, std::int64_t max) {
  std::optional<std::int64_t> number;
  if (const auto* text = std::get_if<std::string>(&value)) {
    number = integer_from_text(*text);
  } else if (const auto* node = std::get<const toml::node*>(value); node->is_integer()) {
    number = node->as_integer()->get();
  } else if (node->is_string()) {
    number = integer_from_text(node->as_string()->get());
  }
  if (!number || *number < min || *number > max) {
    fail(place, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return *number;
}

bool read_bool(const Value& value, const Place& place) {
  std::string text;
  if (const auto* given = std::get_if<std::string>(&value)) {
    text = *given;
  } else if (const auto* node = std::get<const toml::node*>(value); node->is_boolean()) {
    return node->as_boolean()->get();
  }
  if (text == "true" || text == "1") {
    return true;
  }
  if (text == "false" || text == "0") {
    return false;
  }
  fail(place, "must be true or false");
}

std::string read_text(const Value& value, const Place& place) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    return *text;
  }
  if (const auto* node = std::get<const toml::node*>(value); node->is_string()) {
    return node->as_string()->get();
  }
  fail(place, "must be a string");
}

// One setting: its section and key in the file (its INEREG_* variable is derived from
// them) and how a value is parsed into its field of a Target (the Config, or one
// registry source of a [source.NAME] section). Written once per setting, read by every
// source.
template <typename Target>
struct BasicBinding {
  std::string_view section;  // "" = top level
  std::string_view key;
  std::function<void(Target&, const Value&, const Place&)> apply;

  std::string name() const {
    return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
  }
  std::string env() const {
    std::string out(kEnvPrefix);
    for (const char c : section.empty() ? std::string(key) : std::string(section) + "_" + std::string(key)) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }
};

using Binding = BasicBinding<Config>;
// A key of every [source.NAME] section (section "source"; INEREG_SOURCE_<NAME>_<KEY>).
using SourceBinding = BasicBinding<registry::SourceOptions>;

// The field a binding writes: `field(&Config::checks, &CheckRunnerOptions::workers)`
// is config.checks.workers.
template <typename... Members>
auto field(Members... members) {
  return [=](auto& config) -> auto& {
    return (config.*....*members);
  };
}

template <typename Target = Config, typename Field>
BasicBinding<Target> integer(std::string_view section, std::string_view key, std::int64_t min, std::int64_t max,
                             Field field) {
  return {section, key, [=](Target& config, const Value& value, const Place& place) {
            auto& target = field(config);
            using Number = std::remove_reference_t<decltype(target)>;
            target = Number(read_integer(value, place, min, max));
          }};
}

template <typename Target = Config, typename Field>
BasicBinding<Target> boolean(std::string_view section, std::string_view key, Field field) {
  return {section, key,
          [=](Target& config, const Value& value, const Place& place) { field(config) = read_bool(value, place); }};
}

// Checks a text value, and may normalize it in place; returns the problem with it
// ("must be …"), or "" for a good one.
using TextCheck = std::function<std::string(std::string&)>;

template <typename Target = Config, typename Field>
BasicBinding<Target> text(std::string_view section, std::string_view key, Field field, const TextCheck& check = {}) {
  return {section, key, [=](Target& config, const Value& value, const Place& place) {
            auto text = read_text(value, place);
            if (check) {
              if (const auto problem = check(text); !problem.empty()) {
                fail(place, problem);
              }
            }
            field(config) = std::move(text);
          }};
}

TextCheck one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](std::string& value) -> std::string {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
      return "";
    }
    std::string list;
    for (const auto& choice : allowed) {
      list += (list.empty() ? "" : ", ") + ("\"" + choice + "\"");
    }
    return "must be one of " + list;
  };
}

// A list of names: a TOML array of strings, or comma-separated text ("a,b").
template <typename Field>
Binding names(std::string_view section, std::string_view key, Field field) {
  return {section, key, [=](Config& config, const Value& value, const Place& place) {
            std::vector<std::string> out;
            if (const auto* text = std::get_if<std::string>(&value)) {
              for (std::size_t at = 0; at <= text->size();) {
                const auto comma = std::min(text->find(',', at), text->size());
                if (comma > at) {
                  out.push_back(text->substr(at, comma - at));
                }
                at = comma + 1;
              }
            } else if (const auto* array = std::get<const toml::node*>(value)->as_array()) {
              for (const auto& item : *array) {
                if (!item.is_string()) {
                  fail(place, "must be an array of names");
                }
                out.push_back(item.as_string()->get());
              }
            } else {
              fail(place, "must be an array of names");
            }
            field(config) = std::move(out);
          }};
}

// A verdict value's meaning: a catalog situation (id or name), or "no_verdict".
std::optional<int> read_situation(const toml::node& node, const Place& place) {
  std::string text;
  if (const auto* number = node.as_integer()) {
    text = std::to_string(number->get());
  } else if (const auto* name = node.as_string()) {
    text = name->get();
  }
  if (text == "no_verdict") {
    return std::nullopt;
  }
  const auto situation = registry::catalog_situation(text);
  if (!situation) {
    fail(place, "maps a value to " + (text.empty() ? std::string("a non-situation") : text) +
                    ", which is neither a catalog situation (id or name) nor \"no_verdict\"");
  }
  return situation;
}

// A source's verdict fields, only from the file (no environment form):
// [{ at = "data.0.code", codes = "message_codes", values = { "4" = "no_verdict" } }, …]
registry::VerdictField read_verdict_field(const toml::node& node, const Place& place) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    fail(place, "must be an array of { at = …, codes = …, values = { … } } tables");
  }
  registry::VerdictField field;
  for (const auto& [key, item] : *table) {
    if (key == "at" && item.is_string()) {
      field.at = item.as_string()->get();
    } else if (key == "codes" && item.is_string()) {
      const std::string codes = item.as_string()->get();
      if (codes == "situations") {
        field.codes = registry::Codebook::kSituations;
      } else if (codes == "message_codes") {
        field.codes = registry::Codebook::kMessageCodes;
      } else if (codes != "none") {
        fail(place, "codes must be \"situations\", \"message_codes\" or \"none\"");
      }
    } else if (key == "values" && item.is_table()) {
      for (const auto& [value, meaning] : *item.as_table()) {
        field.values.emplace(std::string(value.str()), read_situation(meaning, place));
      }
    } else {
      fail(place, "has an unknown or mistyped member " + std::string(key.str()) +
                      " (at: a path, codes: a codebook, values: a table)");
    }
  }
  if (field.at.empty()) {
    fail(place, "has a field without at (its path in the answer)");
  }
  return field;
}

SourceBinding verdict_binding() {
  return {"source", "verdict", [](registry::SourceOptions& source, const Value& value, const Place& place) {
            const auto* node = std::get_if<const toml::node*>(&value);
            if (node == nullptr) {
              fail(place, "can only be given in the config file");
            }
            const auto* array = (*node)->as_array();
            if (array == nullptr) {
              fail(place, "must be an array of { at = …, codes = …, values = { … } } tables");
            }
            std::vector<registry::VerdictField> fields;
            for (const auto& item : *array) {
              fields.push_back(read_verdict_field(item, place));
            }
            source.verdict = std::move(fields);
          }};
}

std::optional<ListenAddress> split_listen(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  ListenAddress address{std::string(listen.substr(0, colon)), 0};
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const auto port = integer_from_text(std::string(listen.substr(colon + 1)));
  if (!port || *port < 0 || *port > 65535) {
    return std::nullopt;
  }
  address.port = static_cast<std::uint16_t>(*port);
  return address;
}

std::string trim_trailing_slashes(std::string& url) {
  while (url.ends_with('/')) {
    url.pop_back();
  }
  return "";
}

constexpr const char* kListenProblem = "must be HOST:PORT, e.g. 127.0.0.1:8080";

const std::vector<Binding>& bindings() {
  using checks::CheckRunnerOptions;
  using http::ServerSettings;
  using registry::CircuitBreakerOptions;
  using registry::RegistryOptions;
  using registry::UpstreamOptions;
  using webhooks::DeliveryOptions;
  constexpr std::int64_t kHourMs = 3'600'000;
  constexpr std::int64_t kDayMs = 24 * kHourMs;
  const auto upstream = [](auto member) { return field(&Config::registry, &RegistryOptions::upstream, member); };
  const auto throttle = [](auto member) { return field(&Config::api, &api::ApiSettings::auth_throttle, member); };
  const auto breaker = [](auto member) {
    return field(&Config::registry, &RegistryOptions::upstream, &UpstreamOptions::breaker, member);
  };
  static const std::vector<Binding> all = {
      text("", "listen", field(&Config::listen), [](std::string& v) { return split_listen(v) ? "" : kListenProblem; }),
      text("", "db", field(&Config::db)),
      text("", "master_key", field(&Config::master_key)),
      text("", "previous_master_key", field(&Config::previous_master_key)),
      text("", "public_url", field(&Config::public_url), trim_trailing_slashes),
      // spdlog's level names.
      text("", "log_level", field(&Config::log_level),
           one_of({"trace", "debug", "info", "warn", "warning", "err", "error", "critical", "off"})),

      integer("http", "io_threads", 1, 256, field(&Config::http, &ServerSettings::io_threads)),
      integer("http", "blocking_threads", 1, 256, field(&Config::http, &ServerSettings::blocking_threads)),
      integer("http", "max_body_bytes", 1024, 64LL << 20, field(&Config::http, &ServerSettings::max_body_bytes)),
      integer("http", "max_header_bytes", 1024, 1 << 20, field(&Config::http, &ServerSettings::max_header_bytes)),
      integer("http", "read_timeout_ms", 100, kHourMs, field(&Config::http, &ServerSettings::read_timeout)),
      integer("http", "idle_timeout_ms", 100, kHourMs, field(&Config::http, &ServerSettings::idle_timeout)),
      integer("http", "drain_timeout_ms", 0, kHourMs, field(&Config::http, &ServerSettings::drain_timeout)),
      integer("http", "max_connections", 1, 1 << 20, field(&Config::http, &ServerSettings::max_connections)),
      integer("http", "max_body_bytes_in_flight", 1 << 20, std::int64_t{1} << 40,
              field(&Config::http, &ServerSettings::max_body_bytes_in_flight)),
      boolean("http", "pin_io_threads", field(&Config::http, &ServerSettings::pin_io_threads)),

      integer("checks", "workers", 0, 256, field(&Config::checks, &CheckRunnerOptions::workers)),
      integer("checks", "max_in_flight", 1, 100'000, field(&Config::checks, &CheckRunnerOptions::max_in_flight)),
      integer("checks", "batch_size", 1, 10'000, field(&Config::checks, &CheckRunnerOptions::batch_size)),
      integer("checks", "lease_ms", 100, kDayMs, field(&Config::checks, &CheckRunnerOptions::lease_ms)),
      integer("checks", "lookup_timeout_ms", 1, kHourMs,
              field(&Config::checks, &CheckRunnerOptions::lookup_timeout_ms)),
      integer("checks", "poll_ms", 10, kHourMs, field(&Config::checks, &CheckRunnerOptions::poll_ms)),
      integer("checks", "retry_base_ms", 1, kHourMs, field(&Config::checks, &CheckRunnerOptions::retry_base_ms)),
      integer("checks", "retry_max_ms", 1, kDayMs, field(&Config::checks, &CheckRunnerOptions::retry_max_ms)),
      integer("checks", "stop_wait_ms", 0, kHourMs, field(&Config::checks, &CheckRunnerOptions::stop_wait_ms)),
      // Threads that read submitted sessions' document images (Tesseract, CPU-bound).
      integer("vision", "threads", 1, 64, field(&Config::checks, &CheckRunnerOptions::reading_threads)),

      // Re-checks of decided sessions, run by the check pipeline (checks::RecheckOptions).
      integer("recheck", "rate_per_second", 1, 100'000,
              field(&Config::checks, &CheckRunnerOptions::recheck, &checks::RecheckOptions::rate_per_second)),
      integer("recheck", "max_attempts", 1, 1'000,
              field(&Config::checks, &CheckRunnerOptions::recheck, &checks::RecheckOptions::max_attempts)),
      integer("recheck", "sweep_interval_ms", 10, kDayMs,
              field(&Config::checks, &CheckRunnerOptions::recheck, &checks::RecheckOptions::sweep_interval_ms)),

      boolean("metrics", "enabled", field(&Config::metrics, &metrics::MetricsOptions::enabled)),
      text("metrics", "token", field(&Config::metrics, &metrics::MetricsOptions::token)),

      integer("auth", "integration_cache_ms", 0, kHourMs,
              field(&Config::auth, &auth::DirectoryOptions::integration_cache_ms)),
      integer("auth", "failure_window_ms", 1000, kDayMs, throttle(&api::AuthThrottleSettings::failure_window_ms)),
      integer("auth", "failures_before_delay", 0, 1'000'000,
              throttle(&api::AuthThrottleSettings::failures_before_delay)),
      integer("auth", "failure_delay_ms", 0, 10'000, throttle(&api::AuthThrottleSettings::failure_delay_ms)),
      integer("auth", "failures_before_429", 0, 1'000'000, throttle(&api::AuthThrottleSettings::failures_before_429)),

      integer("api", "result_cache_ms", 0, kHourMs, field(&Config::api, &api::ApiSettings::result_cache_ms)),
      boolean("api", "delete_enabled", field(&Config::api, &api::ApiSettings::delete_enabled)),
      integer("api", "delete_limit_per_hour", 0, 1'000'000,
              field(&Config::api, &api::ApiSettings::delete_limit, &store::DeleteRateLimit::per_hour)),
      integer("api", "delete_limit_per_day", 0, 1'000'000,
              field(&Config::api, &api::ApiSettings::delete_limit, &store::DeleteRateLimit::per_day)),

      integer("media", "max_upload_bytes", 1024, 256LL << 20,
              field(&Config::media, &api::MediaOptions::max_upload_bytes)),
      integer("media", "max_files_per_session", 1, 10'000,
              field(&Config::media, &api::MediaOptions::limits, &store::MediaLimits::max_files_per_session)),
      integer("media", "max_bytes_per_session", 1024, 16LL << 30,
              field(&Config::media, &api::MediaOptions::limits, &store::MediaLimits::max_bytes_per_session)),
      integer("media", "max_image_pixels", 1'000'000, 1'000'000'000,
              field(&Config::media, &api::MediaOptions::image, &media::ImageLimits::max_pixels)),
      integer("media", "max_image_side", 1'000, 100'000,
              field(&Config::media, &api::MediaOptions::image, &media::ImageLimits::max_side)),

      // The verification page at each session's url (api/verification_page.hpp).
      integer("page", "max_tries", 1, 20, field(&Config::page, &api::PageOptions::max_tries)),
      boolean("page", "capture_front", field(&Config::page, &api::PageOptions::capture_front)),
      text("page", "privacy_notice_es", field(&Config::page, &api::PageOptions::privacy_notice_es)),
      text("page", "privacy_notice_en", field(&Config::page, &api::PageOptions::privacy_notice_en)),
      integer("page", "requests_per_minute", 0, 100'000, field(&Config::page, &api::PageOptions::requests_per_minute)),

      // Which connector answers checks, and how the HTTP one treats its upstream.
      text("registry", "kind", field(&Config::registry, &RegistryOptions::kind), one_of({"local", "http"})),
      text("registry", "url", upstream(&UpstreamOptions::url)),
      text("registry", "curp_kind", field(&Config::registry, &RegistryOptions::curp_kind), one_of({"local", "http"})),
      text("registry", "snapshot_dir", field(&Config::registry, &RegistryOptions::snapshot_dir)),
      integer("registry", "snapshot_check_ms", 0, kHourMs,
              field(&Config::registry, &RegistryOptions::snapshot_check_ms)),
      text("registry", "curp_url", field(&Config::registry, &RegistryOptions::curp_url)),
      text("registry", "auth_header", upstream(&UpstreamOptions::auth_header)),
      text("registry", "auth_value", upstream(&UpstreamOptions::auth_value)),
      text("registry", "ca_file", upstream(&UpstreamOptions::ca_file)),
      integer("registry", "io_threads", 1, 64, upstream(&UpstreamOptions::io_threads)),
      integer("registry", "attempt_timeout_ms", 10, 600'000, upstream(&UpstreamOptions::attempt_timeout_ms)),
      integer("registry", "lookup_timeout_ms", 10, kHourMs, upstream(&UpstreamOptions::lookup_timeout_ms)),
      integer("registry", "max_attempts", 1, 100, upstream(&UpstreamOptions::max_attempts)),
      integer("registry", "backoff_base_ms", 0, 600'000, upstream(&UpstreamOptions::backoff_base_ms)),
      integer("registry", "backoff_max_ms", 0, kHourMs, upstream(&UpstreamOptions::backoff_max_ms)),
      integer("registry", "breaker_failures", 0, 1'000'000, breaker(&CircuitBreakerOptions::consecutive_failures)),
      integer("registry", "breaker_failure_rate_percent", 0, 100,
              breaker(&CircuitBreakerOptions::failure_rate_percent)),
      integer("registry", "breaker_window", 1, 100'000, breaker(&CircuitBreakerOptions::window)),
      integer("registry", "breaker_open_ms", 1, kHourMs, breaker(&CircuitBreakerOptions::open_ms)),
      integer("registry", "breaker_half_open_probes", 1, 1'000, breaker(&CircuitBreakerOptions::half_open_probes)),
      integer("registry", "max_in_flight", 1, 1'000'000, upstream(&UpstreamOptions::max_in_flight)),
      integer("registry", "cap_retry_after_ms", 0, 600'000, upstream(&UpstreamOptions::cap_retry_after_ms)),
      integer("registry", "rate_limit_default_ms", 0, kHourMs, upstream(&UpstreamOptions::rate_limit_default_ms)),
      integer("registry", "rate_limit_max_ms", 0, kDayMs, upstream(&UpstreamOptions::rate_limit_max_ms)),
      integer("registry", "max_response_bytes", 256, 16LL << 20, upstream(&UpstreamOptions::max_response_bytes)),
      integer("registry", "max_idle_connections", 0, 100'000, upstream(&UpstreamOptions::max_idle_connections)),
      integer("registry", "answer_max_bytes", 0, 1 << 20, upstream(&UpstreamOptions::answer_max_bytes)),
      // Failover order of the [source.NAME] sections.
      names("registry", "sources", field(&Config::registry, &RegistryOptions::order)),
      integer("registry", "cache_ttl_ms", 0, kDayMs, field(&Config::registry, &RegistryOptions::cache_ttl_ms)),
      integer("registry", "cache_max_entries", 1, 100'000'000,
              field(&Config::registry, &RegistryOptions::cache_max_entries)),

      integer("webhooks", "max_in_flight", 1, 1024, field(&Config::webhooks, &DeliveryOptions::max_in_flight)),
      integer("webhooks", "timeout_ms", 100, 600'000, field(&Config::webhooks, &DeliveryOptions::timeout_ms)),
      integer("webhooks", "lease_ms", 200, kDayMs, field(&Config::webhooks, &DeliveryOptions::lease_ms)),
      integer("webhooks", "poll_ms", 10, kHourMs, field(&Config::webhooks, &DeliveryOptions::poll_ms)),
      integer("webhooks", "first_retry_ms", 10, kDayMs, field(&Config::webhooks, &DeliveryOptions::first_retry_ms)),
      integer("webhooks", "retry_interval_ms", 10, kDayMs,
              field(&Config::webhooks, &DeliveryOptions::retry_interval_ms)),
      integer("webhooks", "max_age_ms", 1'000, 90 * kDayMs, field(&Config::webhooks, &DeliveryOptions::max_age_ms)),
      text("webhooks", "ca_file", field(&Config::webhooks, &DeliveryOptions::ca_file)),

      integer("sessions", "expire_after_ms", 1'000, 365 * kDayMs,
              field(&Config::sessions, &sessions::ExpiryOptions::expire_after_ms)),
      integer("sessions", "sweep_interval_ms", 10, kDayMs,
              field(&Config::sessions, &sessions::ExpiryOptions::sweep_interval_ms)),

      integer("retention", "sweep_interval_ms", 10, kDayMs,
              field(&Config::retention, &sessions::RetentionOptions::sweep_interval_ms)),
      integer("retention", "batch_size", 1, 100'000,
              field(&Config::retention, &sessions::RetentionOptions::batch_size)),

      integer("store", "pool_size", 0, 10'000, field(&Config::store, &store::PoolOptions::size)),
      integer("store", "acquire_timeout_ms", 1, kHourMs, field(&Config::store, &store::PoolOptions::acquire_timeout)),
      integer("store", "max_group_commit", 1, 100'000, field(&Config::store, &store::PoolOptions::max_group_commit)),
  };
  return all;
}

const Binding* find_binding(std::string_view section, std::string_view key) {
  for (const auto& binding : bindings()) {
    if (binding.section == section && binding.key == key) {
      return &binding;
    }
  }
  return nullptr;
}

bool is_section(std::string_view name) {
  return !name.empty() && std::any_of(bindings().begin(), bindings().end(),
                                      [&](const Binding& binding) { return binding.section == name; });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean X?)" for the candidate closest to `name`, if one is close enough to
// be a typo of it; "" otherwise.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 4) + 1;
  for (const auto& candidate : candidates) {
    const auto distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best ? " (did you mean " + *best + "?)" : "";
}

// The keys of every [source.NAME] section: one registry source (docs/UPSTREAM.md).
const std::vector<SourceBinding>& source_bindings() {
  using registry::SourceOptions;
  static const std::vector<SourceBinding> all = [] {
    std::vector<std::string> mappings = registry::preset_names();
    mappings.emplace_back("custom");
    return std::vector<SourceBinding>{
        text<SourceOptions>("source", "mapping", field(&SourceOptions::mapping), one_of(mappings)),
        text<SourceOptions>("source", "url", field(&SourceOptions::url)),
        text<SourceOptions>("source", "auth_header", field(&SourceOptions::auth_header)),
        text<SourceOptions>("source", "auth_value", field(&SourceOptions::auth_value)),
        text<SourceOptions>("source", "auth_user", field(&SourceOptions::auth_user)),
        text<SourceOptions>("source", "auth_password", field(&SourceOptions::auth_password)),
        text<SourceOptions>("source", "ca_file", field(&SourceOptions::ca_file)),
        text<SourceOptions>("source", "body_eh", field(&SourceOptions::body_eh)),
        text<SourceOptions>("source", "body_d", field(&SourceOptions::body_d)),
        text<SourceOptions>("source", "body_c", field(&SourceOptions::body_c)),
        verdict_binding(),
    };
  }();
  return all;
}

constexpr std::string_view kSourceSection = "source";

// The source a [source.NAME] section or INEREG_SOURCE_NAME_* variable names, created on
// first mention. Names are lower-case letters and digits: they are spelled the same in
// the file, in the environment (upper-cased) and in the results that record them.
registry::SourceOptions& source_named(Config& config, std::string name, const std::string& origin) {
  if (name.empty() ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::islower(c) || std::isdigit(c); })) {
    throw ConfigError("source name \"" + name + "\" (" + origin + ") must be lower-case letters and digits");
  }
  auto& sources = config.registry.sources;
  const auto found = std::find_if(sources.begin(), sources.end(),
                                  [&](const registry::SourceOptions& source) { return source.name == name; });
  if (found != sources.end()) {
    return *found;
  }
  sources.push_back(registry::SourceOptions{});
  sources.back().name = std::move(name);
  return sources.back();
}

const SourceBinding* find_source_binding(std::string_view key) {
  for (const auto& binding : source_bindings()) {
    if (binding.key == key) {
      return &binding;
    }
  }
  return nullptr;
}

[[noreturn]] void unknown_source_key(const std::string& name, std::string_view key, const std::string& origin) {
  std::vector<std::string> known;
  for (const auto& binding : source_bindings()) {
    known.emplace_back(binding.key);
  }
  throw ConfigError("unknown setting source." + name + "." + std::string(key) + " (" + origin + ")" +
                    did_you_mean(key, known));
}

[[noreturn]] void unknown_file_key(std::string_view section, std::string_view key, const std::string& file) {
  const std::string name = section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
  // A key written under the wrong section is the likeliest mistake: suggest the section
  // that has it before any near spelling.
  std::string hint;
  for (const auto& binding : bindings()) {
    if (binding.key == key) {
      hint = " (did you mean " + binding.name() + "?)";
      break;
    }
  }
  if (hint.empty()) {
    std::vector<std::string> known;
    for (const auto& binding : bindings()) {
      known.push_back(binding.name());
    }
    hint = did_you_mean(name, known);
  }
  throw ConfigError("unknown setting " + name + " in " + file + hint);
}

// The settings of a parsed config file; `file` names it in messages.
void apply_table(Config& config, const toml::table& table, const std::string& file) {
  const std::string origin = "in " + file;
  for (const auto& [top_key, top_node] : table) {
    const std::string_view top = top_key.str();
    if (top == kSourceSection && top_node.is_table()) {
      for (const auto& [name, section] : *top_node.as_table()) {
        if (!section.is_table()) {
          unknown_file_key(top, name.str(), file);  // [source] holds [source.NAME] sections only
        }
        auto& source = source_named(config, std::string(name.str()), origin);
        for (const auto& [key, node] : *section.as_table()) {
          const auto* binding = find_source_binding(key.str());
          if (binding == nullptr) {
            unknown_source_key(source.name, key.str(), origin);
          }
          binding->apply(source, &node, {"source." + source.name + "." + std::string(key.str()), origin});
        }
      }
      continue;
    }
    if (const auto* binding = find_binding("", top)) {
      binding->apply(config, &top_node, {binding->name(), origin});
      continue;
    }
    if (!is_section(top)) {
      if (top_node.is_table()) {
        // Appended rather than "[" + std::string(...): GCC 12 -O3 reports a bogus
        // -Wrestrict for a literal + std::string&&.
        const auto bracketed = [](std::string_view name) {
          std::string text = "[";
          text += name;
          text += ']';
          return text;
        };
        std::vector<std::string> sections;
        for (const auto& binding : bindings()) {
          if (!binding.section.empty()) {
            sections.push_back(bracketed(binding.section));
          }
        }
        std::string message = "unknown section ";
        message += bracketed(top);
        message += " in " + file;
        message += did_you_mean(bracketed(top), sections);
        throw ConfigError(message);
      }
      unknown_file_key("", top, file);
    }
    const auto* section = top_node.as_table();
    if (section == nullptr) {
      throw ConfigError(std::string(top) + " " + origin + " must be a [" + std::string(top) + "] section");
    }
    for (const auto& [key, node] : *section) {
      const auto* binding = find_binding(top, key.str());
      if (binding == nullptr) {
        unknown_file_key(top, key.str(), file);
      }
      binding->apply(config, &node, {binding->name(), origin});
    }
  }
}

// INEREG_SOURCE_<NAME>_<KEY>: NAME has no '_', so the first one after it starts the key.
constexpr std::string_view kSourceEnvPrefix = "INEREG_SOURCE_";

void apply_source_variable(Config& config, std::string_view variable, std::string value) {
  const auto rest = variable.substr(kSourceEnvPrefix.size());
  const auto underscore = rest.find('_');
  std::string name(rest.substr(0, underscore));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string key(underscore == std::string_view::npos ? std::string_view{} : rest.substr(underscore + 1));
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string origin(variable);
  auto& source = source_named(config, std::move(name), origin);
  const auto* binding = find_source_binding(key);
  if (binding == nullptr) {
    unknown_source_key(source.name, key, origin);
  }
  binding->apply(source, std::move(value), {"source." + source.name + "." + key, origin});
}

void apply_environment(Config& config) {
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    const std::string_view name = text.substr(0, equals);
    if (!name.starts_with(kEnvPrefix) || name.starts_with(kTestEnvPrefix) || equals == std::string_view::npos) {
      continue;
    }
    if (name.starts_with(kSourceEnvPrefix)) {
      apply_source_variable(config, name, std::string(text.substr(equals + 1)));
      continue;
    }
    const auto match = std::find_if(bindings().begin(), bindings().end(),
                                    [&](const Binding& binding) { return binding.env() == name; });
    if (match == bindings().end()) {
      std::vector<std::string> known;
      for (const auto& binding : bindings()) {
        known.push_back(binding.env());
      }
      throw ConfigError("unknown environment variable " + std::string(name) + did_you_mean(name, known) +
                        " (INEREG_* variables name settings; INEREG_TEST_* are reserved for the tests)");
    }
    match->apply(config, std::string(text.substr(equals + 1)), {match->name(), std::string(name)});
  }
}

void apply_override(Config& config, const Override& override) {
  const auto dot = override.key.find('.');
  const auto* binding = dot == std::string::npos ? find_binding("", override.key)
                                                 : find_binding(std::string_view(override.key).substr(0, dot),
                                                                std::string_view(override.key).substr(dot + 1));
  if (binding == nullptr) {
    throw std::logic_error("no setting " + override.key + " for " + override.origin);  // a flag wired wrongly
  }
  binding->apply(config, override.value, {binding->name(), override.origin});
}

// Rules between settings, checked once every source is applied.
void check_consistency(const Config& config) {
  // A lease shorter than an attempt would let a second node send the same webhook
  // while the first is still waiting for the receiver.
  if (config.webhooks.lease_ms <= config.webhooks.timeout_ms) {
    throw ConfigError("webhooks.lease_ms must be greater than webhooks.timeout_ms");
  }
  // Each source's mapping is whole and well-formed (the order and the rest are checked
  // when the service builds the sources: registry::sources_in_order).
  for (const auto& source : config.registry.sources) {
    try {
      registry::mapping_of(source);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
}

// What follows the file: the environment, the flags, the rules between settings.
Config finish(Config config, const std::vector<Override>& overrides) {
  apply_environment(config);
  for (const auto& override : overrides) {
    apply_override(config, override);
  }
  check_consistency(config);
  return config;
}

}  // namespace

Config load_config(const std::optional<std::string>& file, const std::vector<Override>& overrides) {
  Config config;
  if (file) {
    toml::table table;
    try {
      table = toml::parse_file(*file);
    } catch (const toml::parse_error& e) {
      throw ConfigError("cannot read config file " + *file + ": " + std::string(e.description()));
    }
    apply_table(config, table, *file);
  }
  return finish(std::move(config), overrides);
}

Config load_config_text(std::string_view text, const std::string& name, const std::vector<Override>& overrides) {
  Config config;
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError("cannot read config file " + name + ": " + std::string(e.description()));
  }
  apply_table(config, table, name);
  return finish(std::move(config), overrides);
}

std::vector<SettingName> setting_names() {
  std::vector<SettingName> names;
  for (const auto& binding : bindings()) {
    names.push_back({binding.name(), binding.env()});
  }
  for (const auto& binding : source_bindings()) {
    std::string env(kSourceEnvPrefix);
    env += "*_";
    for (const char c : binding.key) {
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    names.push_back({"source.*." + std::string(binding.key), env});
  }
  return names;
}

ListenAddress parse_listen(std::string_view listen) {
  auto address = split_listen(listen);
  if (!address) {
    throw ConfigError(std::string("listen ") + kListenProblem);
  }
  return *address;
}

}  // namespace inereg::config
