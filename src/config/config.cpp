#include "config/config.hpp"

#include <cstdlib>
#include <functional>
#include <vector>

#include <toml++/toml.h>

namespace inereg::config {
namespace {

// One setting: where it lives in the TOML file, its environment variable, and how to
// apply a value. The single table keeps file and environment names in step.
struct Setting {
  const char* table;  // "" for top level
  const char* key;
  const char* env;
  std::function<void(Config&, const std::string&)> apply;
};

std::int64_t to_int(const std::string& name, const std::string& text, std::int64_t min, std::int64_t max) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size() || value < min || value > max) {
      throw std::out_of_range(name);
    }
    return value;
  } catch (const std::logic_error&) {
    throw ConfigError(name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
}

bool to_bool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1") {
    return true;
  }
  if (text == "false" || text == "0") {
    return false;
  }
  throw ConfigError(name + " must be true or false");
}

std::vector<Setting> settings() {
  using std::chrono::milliseconds;
  return {
      {"", "listen", "INEREG_LISTEN", [](Config& c, const std::string& v) { c.listen = v; }},
      {"", "db", "INEREG_DB", [](Config& c, const std::string& v) { c.db = v; }},
      {"", "master_key", "INEREG_MASTER_KEY", [](Config& c, const std::string& v) { c.master_key = v; }},
      {"", "public_url", "INEREG_PUBLIC_URL", [](Config& c, const std::string& v) { c.public_url = v; }},
      {"", "log_level", "INEREG_LOG_LEVEL", [](Config& c, const std::string& v) { c.log_level = v; }},
      {"auth", "integration_cache_ms", "INEREG_AUTH_INTEGRATION_CACHE_MS",
       [](Config& c, const std::string& v) {
         c.integration_cache_ms = to_int("auth.integration_cache_ms", v, 0, 3'600'000);
       }},
      {"api", "result_cache_ms", "INEREG_API_RESULT_CACHE_MS",
       [](Config& c, const std::string& v) { c.result_cache_ms = to_int("api.result_cache_ms", v, 0, 3'600'000); }},
      {"api", "delete_enabled", "INEREG_API_DELETE_ENABLED",
       [](Config& c, const std::string& v) { c.delete_enabled = to_bool("api.delete_enabled", v); }},
      {"api", "delete_limit_per_hour", "INEREG_API_DELETE_LIMIT_PER_HOUR",
       [](Config& c, const std::string& v) {
         c.delete_limit.per_hour = static_cast<int>(to_int("api.delete_limit_per_hour", v, 0, 1'000'000));
       }},
      {"api", "delete_limit_per_day", "INEREG_API_DELETE_LIMIT_PER_DAY",
       [](Config& c, const std::string& v) {
         c.delete_limit.per_day = static_cast<int>(to_int("api.delete_limit_per_day", v, 0, 1'000'000));
       }},
      {"http", "io_threads", "INEREG_HTTP_IO_THREADS",
       [](Config& c, const std::string& v) {
         c.http.io_threads = static_cast<int>(to_int("http.io_threads", v, 1, 256));
       }},
      {"http", "blocking_threads", "INEREG_HTTP_BLOCKING_THREADS",
       [](Config& c, const std::string& v) {
         c.http.blocking_threads = static_cast<int>(to_int("http.blocking_threads", v, 1, 256));
       }},
      {"http", "max_body_bytes", "INEREG_HTTP_MAX_BODY_BYTES",
       [](Config& c, const std::string& v) {
         c.http.max_body_bytes = static_cast<std::size_t>(to_int("http.max_body_bytes", v, 1024, 64LL << 20));
       }},
      {"http", "max_header_bytes", "INEREG_HTTP_MAX_HEADER_BYTES",
       [](Config& c, const std::string& v) {
         c.http.max_header_bytes = static_cast<std::size_t>(to_int("http.max_header_bytes", v, 1024, 1 << 20));
       }},
      {"http", "read_timeout_ms", "INEREG_HTTP_READ_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.http.read_timeout = milliseconds(to_int("http.read_timeout_ms", v, 100, 3'600'000));
       }},
      {"http", "idle_timeout_ms", "INEREG_HTTP_IDLE_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.http.idle_timeout = milliseconds(to_int("http.idle_timeout_ms", v, 100, 3'600'000));
       }},
      {"http", "drain_timeout_ms", "INEREG_HTTP_DRAIN_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.http.drain_timeout = milliseconds(to_int("http.drain_timeout_ms", v, 0, 3'600'000));
       }},
      {"media", "max_upload_bytes", "INEREG_MEDIA_MAX_UPLOAD_BYTES",
       [](Config& c, const std::string& v) {
         c.media_max_upload_bytes = static_cast<std::size_t>(to_int("media.max_upload_bytes", v, 1024, 256LL << 20));
       }},
      {"media", "max_files_per_session", "INEREG_MEDIA_MAX_FILES_PER_SESSION",
       [](Config& c, const std::string& v) {
         c.media_limits.max_files_per_session = to_int("media.max_files_per_session", v, 1, 10'000);
       }},
      {"media", "max_bytes_per_session", "INEREG_MEDIA_MAX_BYTES_PER_SESSION",
       [](Config& c, const std::string& v) {
         c.media_limits.max_bytes_per_session = to_int("media.max_bytes_per_session", v, 1024, 16LL << 30);
       }},
      {"checks", "workers", "INEREG_CHECKS_WORKERS",
       [](Config& c, const std::string& v) {
         c.checks.workers = static_cast<int>(to_int("checks.workers", v, 0, 256));
       }},
      {"checks", "lease_ms", "INEREG_CHECKS_LEASE_MS",
       [](Config& c, const std::string& v) { c.checks.lease_ms = to_int("checks.lease_ms", v, 100, 86'400'000); }},
      {"checks", "poll_ms", "INEREG_CHECKS_POLL_MS",
       [](Config& c, const std::string& v) { c.checks.poll_ms = to_int("checks.poll_ms", v, 10, 3'600'000); }},
      {"checks", "retry_base_ms", "INEREG_CHECKS_RETRY_BASE_MS",
       [](Config& c, const std::string& v) {
         c.checks.retry_base_ms = to_int("checks.retry_base_ms", v, 1, 3'600'000);
       }},
      {"checks", "retry_max_ms", "INEREG_CHECKS_RETRY_MAX_MS",
       [](Config& c, const std::string& v) {
         c.checks.retry_max_ms = to_int("checks.retry_max_ms", v, 1, 86'400'000);
       }},
      {"checks", "max_in_flight", "INEREG_CHECKS_MAX_IN_FLIGHT",
       [](Config& c, const std::string& v) {
         c.checks.max_in_flight = static_cast<int>(to_int("checks.max_in_flight", v, 1, 100'000));
       }},
      {"checks", "batch_size", "INEREG_CHECKS_BATCH_SIZE",
       [](Config& c, const std::string& v) {
         c.checks.batch_size = static_cast<int>(to_int("checks.batch_size", v, 1, 10'000));
       }},
      {"checks", "lookup_timeout_ms", "INEREG_CHECKS_LOOKUP_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.checks.lookup_timeout_ms = to_int("checks.lookup_timeout_ms", v, 1, 3'600'000);
       }},
      {"checks", "stop_wait_ms", "INEREG_CHECKS_STOP_WAIT_MS",
       [](Config& c, const std::string& v) { c.checks.stop_wait_ms = to_int("checks.stop_wait_ms", v, 0, 3'600'000); }},
      // Threads that read submitted sessions' document images (Tesseract, CPU-bound).
      {"vision", "threads", "INEREG_VISION_THREADS",
       [](Config& c, const std::string& v) {
         c.checks.reading_threads = static_cast<int>(to_int("vision.threads", v, 1, 64));
       }},
      {"metrics", "enabled", "INEREG_METRICS_ENABLED",
       [](Config& c, const std::string& v) { c.metrics_enabled = to_bool("metrics.enabled", v); }},
      // registry.*: which connector answers checks, and how the HTTP one treats its upstream.
      {"registry", "kind", "INEREG_REGISTRY_KIND",
       [](Config& c, const std::string& v) {
         if (v != "local" && v != "http") {
           throw ConfigError("registry.kind must be \"local\" or \"http\"");
         }
         c.registry.kind = v;
       }},
      {"registry", "url", "INEREG_REGISTRY_URL", [](Config& c, const std::string& v) { c.registry.upstream.url = v; }},
      {"registry", "auth_header", "INEREG_REGISTRY_AUTH_HEADER",
       [](Config& c, const std::string& v) { c.registry.upstream.auth_header = v; }},
      {"registry", "auth_value", "INEREG_REGISTRY_AUTH_VALUE",
       [](Config& c, const std::string& v) { c.registry.upstream.auth_value = v; }},
      {"registry", "ca_file", "INEREG_REGISTRY_CA_FILE",
       [](Config& c, const std::string& v) { c.registry.upstream.ca_file = v; }},
      {"registry", "io_threads", "INEREG_REGISTRY_IO_THREADS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.io_threads = static_cast<int>(to_int("registry.io_threads", v, 1, 64));
       }},
      {"registry", "attempt_timeout_ms", "INEREG_REGISTRY_ATTEMPT_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.attempt_timeout_ms = to_int("registry.attempt_timeout_ms", v, 10, 600'000);
       }},
      {"registry", "lookup_timeout_ms", "INEREG_REGISTRY_LOOKUP_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.lookup_timeout_ms = to_int("registry.lookup_timeout_ms", v, 10, 3'600'000);
       }},
      {"registry", "max_attempts", "INEREG_REGISTRY_MAX_ATTEMPTS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.max_attempts = static_cast<int>(to_int("registry.max_attempts", v, 1, 100));
       }},
      {"registry", "backoff_base_ms", "INEREG_REGISTRY_BACKOFF_BASE_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.backoff_base_ms = to_int("registry.backoff_base_ms", v, 0, 600'000);
       }},
      {"registry", "backoff_max_ms", "INEREG_REGISTRY_BACKOFF_MAX_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.backoff_max_ms = to_int("registry.backoff_max_ms", v, 0, 3'600'000);
       }},
      {"registry", "breaker_failures", "INEREG_REGISTRY_BREAKER_FAILURES",
       [](Config& c, const std::string& v) {
         c.registry.upstream.breaker.consecutive_failures =
             static_cast<int>(to_int("registry.breaker_failures", v, 0, 1'000'000));
       }},
      {"registry", "breaker_failure_rate_percent", "INEREG_REGISTRY_BREAKER_FAILURE_RATE_PERCENT",
       [](Config& c, const std::string& v) {
         c.registry.upstream.breaker.failure_rate_percent =
             static_cast<int>(to_int("registry.breaker_failure_rate_percent", v, 0, 100));
       }},
      {"registry", "breaker_window", "INEREG_REGISTRY_BREAKER_WINDOW",
       [](Config& c, const std::string& v) {
         c.registry.upstream.breaker.window = static_cast<int>(to_int("registry.breaker_window", v, 1, 100'000));
       }},
      {"registry", "breaker_open_ms", "INEREG_REGISTRY_BREAKER_OPEN_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.breaker.open_ms = to_int("registry.breaker_open_ms", v, 1, 3'600'000);
       }},
      {"registry", "breaker_half_open_probes", "INEREG_REGISTRY_BREAKER_HALF_OPEN_PROBES",
       [](Config& c, const std::string& v) {
         c.registry.upstream.breaker.half_open_probes =
             static_cast<int>(to_int("registry.breaker_half_open_probes", v, 1, 1'000));
       }},
      {"registry", "max_in_flight", "INEREG_REGISTRY_MAX_IN_FLIGHT",
       [](Config& c, const std::string& v) {
         c.registry.upstream.max_in_flight = static_cast<int>(to_int("registry.max_in_flight", v, 1, 1'000'000));
       }},
      {"registry", "cap_retry_after_ms", "INEREG_REGISTRY_CAP_RETRY_AFTER_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.cap_retry_after_ms = to_int("registry.cap_retry_after_ms", v, 0, 600'000);
       }},
      {"registry", "rate_limit_default_ms", "INEREG_REGISTRY_RATE_LIMIT_DEFAULT_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.rate_limit_default_ms = to_int("registry.rate_limit_default_ms", v, 0, 3'600'000);
       }},
      {"registry", "rate_limit_max_ms", "INEREG_REGISTRY_RATE_LIMIT_MAX_MS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.rate_limit_max_ms = to_int("registry.rate_limit_max_ms", v, 0, 86'400'000);
       }},
      {"registry", "max_response_bytes", "INEREG_REGISTRY_MAX_RESPONSE_BYTES",
       [](Config& c, const std::string& v) {
         c.registry.upstream.max_response_bytes =
             static_cast<std::size_t>(to_int("registry.max_response_bytes", v, 256, 16LL << 20));
       }},
      {"registry", "max_idle_connections", "INEREG_REGISTRY_MAX_IDLE_CONNECTIONS",
       [](Config& c, const std::string& v) {
         c.registry.upstream.max_idle_connections =
             static_cast<int>(to_int("registry.max_idle_connections", v, 0, 100'000));
       }},
      {"registry", "cache_ttl_ms", "INEREG_REGISTRY_CACHE_TTL_MS",
       [](Config& c, const std::string& v) {
         c.registry.cache_ttl_ms = to_int("registry.cache_ttl_ms", v, 0, 86'400'000);
       }},
      {"registry", "cache_max_entries", "INEREG_REGISTRY_CACHE_MAX_ENTRIES",
       [](Config& c, const std::string& v) {
         c.registry.cache_max_entries =
             static_cast<std::size_t>(to_int("registry.cache_max_entries", v, 1, 100'000'000));
       }},
      {"webhooks", "max_in_flight", "INEREG_WEBHOOKS_MAX_IN_FLIGHT",
       [](Config& c, const std::string& v) {
         c.webhooks.max_in_flight = static_cast<int>(to_int("webhooks.max_in_flight", v, 1, 1024));
       }},
      {"webhooks", "timeout_ms", "INEREG_WEBHOOKS_TIMEOUT_MS",
       [](Config& c, const std::string& v) { c.webhooks.timeout_ms = to_int("webhooks.timeout_ms", v, 100, 600'000); }},
      {"webhooks", "lease_ms", "INEREG_WEBHOOKS_LEASE_MS",
       [](Config& c, const std::string& v) { c.webhooks.lease_ms = to_int("webhooks.lease_ms", v, 200, 86'400'000); }},
      {"webhooks", "poll_ms", "INEREG_WEBHOOKS_POLL_MS",
       [](Config& c, const std::string& v) { c.webhooks.poll_ms = to_int("webhooks.poll_ms", v, 10, 3'600'000); }},
      {"webhooks", "first_retry_ms", "INEREG_WEBHOOKS_FIRST_RETRY_MS",
       [](Config& c, const std::string& v) {
         c.webhooks.first_retry_ms = to_int("webhooks.first_retry_ms", v, 10, 86'400'000);
       }},
      {"webhooks", "retry_interval_ms", "INEREG_WEBHOOKS_RETRY_INTERVAL_MS",
       [](Config& c, const std::string& v) {
         c.webhooks.retry_interval_ms = to_int("webhooks.retry_interval_ms", v, 10, 86'400'000);
       }},
      {"webhooks", "max_age_ms", "INEREG_WEBHOOKS_MAX_AGE_MS",
       [](Config& c, const std::string& v) {
         c.webhooks.max_age_ms = to_int("webhooks.max_age_ms", v, 1'000, 90LL * 86'400'000);
       }},
      {"webhooks", "ca_file", "INEREG_WEBHOOKS_CA_FILE",
       [](Config& c, const std::string& v) { c.webhooks.ca_file = v; }},
      {"sessions", "expire_after_ms", "INEREG_SESSIONS_EXPIRE_AFTER_MS",
       [](Config& c, const std::string& v) {
         c.sessions.expire_after_ms = to_int("sessions.expire_after_ms", v, 1'000, 365LL * 86'400'000);
       }},
      {"page", "max_tries", "INEREG_PAGE_MAX_TRIES",
       [](Config& c, const std::string& v) {
         c.page.max_tries = static_cast<int>(to_int("page.max_tries", v, 1, 20));
       }},
      {"page", "capture_front", "INEREG_PAGE_CAPTURE_FRONT",
       [](Config& c, const std::string& v) { c.page.capture_front = to_bool("page.capture_front", v); }},
      {"page", "privacy_notice_es", "INEREG_PAGE_PRIVACY_NOTICE_ES",
       [](Config& c, const std::string& v) { c.page.privacy_notice_es = v; }},
      {"page", "privacy_notice_en", "INEREG_PAGE_PRIVACY_NOTICE_EN",
       [](Config& c, const std::string& v) { c.page.privacy_notice_en = v; }},
      {"page", "requests_per_minute", "INEREG_PAGE_REQUESTS_PER_MINUTE",
       [](Config& c, const std::string& v) {
         c.page.requests_per_minute = static_cast<int>(to_int("page.requests_per_minute", v, 0, 100'000));
       }},
      {"sessions", "sweep_interval_ms", "INEREG_SESSIONS_SWEEP_INTERVAL_MS",
       [](Config& c, const std::string& v) {
         c.sessions.sweep_interval_ms = to_int("sessions.sweep_interval_ms", v, 10, 86'400'000);
       }},
  };
}

std::optional<std::string> toml_text(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    return s->get();
  }
  if (const auto* i = node.as_integer()) {
    return std::to_string(i->get());
  }
  if (const auto* b = node.as_boolean()) {
    return b->get() ? "true" : "false";
  }
  return std::nullopt;
}

}  // namespace

Config load_config(const std::optional<std::string>& file) {
  Config config;
  const auto all = settings();
  if (file) {
    toml::table table;
    try {
      table = toml::parse_file(*file);
    } catch (const toml::parse_error& e) {
      throw ConfigError("cannot read config file " + *file + ": " + std::string(e.description()));
    }
    for (const auto& setting : all) {
      const toml::node* node = nullptr;
      if (*setting.table == '\0') {
        node = table.get(setting.key);
      } else if (const auto* section = table.get_as<toml::table>(setting.table)) {
        node = section->get(setting.key);
      }
      if (node == nullptr) {
        continue;
      }
      const auto text = toml_text(*node);
      const std::string name = *setting.table ? std::string(setting.table) + "." + setting.key : setting.key;
      if (!text) {
        throw ConfigError("config key " + name + " must be a string or an integer");
      }
      setting.apply(config, *text);
    }
  }
  for (const auto& setting : all) {
    if (const char* value = std::getenv(setting.env)) {
      setting.apply(config, value);
    }
  }
  return config;
}

void parse_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    throw ConfigError("listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = static_cast<std::uint16_t>(to_int("listen port", listen.substr(colon + 1), 0, 65535));
}

void finalize(Config& config) {
  parse_listen(config.listen, config.http.host, config.http.port);
  if (config.public_url.empty() && config.http.port != 0) {
    config.public_url = "http://" + config.listen;  // with port 0, Service fills it in once bound
  }
  while (!config.public_url.empty() && config.public_url.back() == '/') {
    config.public_url.pop_back();
  }
  // A lease shorter than an attempt would let a second node send the same webhook
  // while the first is still waiting for the receiver.
  if (config.webhooks.lease_ms <= config.webhooks.timeout_ms) {
    throw ConfigError("webhooks.lease_ms must be greater than webhooks.timeout_ms");
  }
}

}  // namespace inereg::config
