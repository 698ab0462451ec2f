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
}

}  // namespace inereg::config
