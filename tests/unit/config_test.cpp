#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "registry/upstream_options.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

// Settings from defaults, a TOML file, INEREG_* variables and flags, lowest precedence
// first; every name that is not a setting is refused.
namespace inereg::config {
namespace {

// Every INEREG_* variable but the tests' own is cleared for each test and restored
// after it, so the outcome never depends on the environment the tests run in.
class LoadConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string text(*entry);
      const auto equals = text.find('=');
      const std::string name = text.substr(0, equals);
      if (name.starts_with("INEREG_") && !name.starts_with("INEREG_TEST_")) {
        saved_[name] = text.substr(equals + 1);
      }
    }
    for (const auto& [name, value] : saved_) {
      ::unsetenv(name.c_str());
    }
  }

  void TearDown() override {
    for (const auto& [name, value] : set_) {
      ::unsetenv(name.c_str());
    }
    for (const auto& [name, value] : saved_) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }

  void set_env(const std::string& name, const std::string& value) {
    set_[name] = value;
    ::setenv(name.c_str(), value.c_str(), 1);
  }

  std::string write_toml(const std::string& text) {
    const std::string path = dir_.file("inereg.toml");
    std::ofstream(path) << text;
    return path;
  }

  // The ConfigError message of loading `toml` (and `overrides`), or "" when it loads.
  std::string error_loading(const std::optional<std::string>& toml, const std::vector<Override>& overrides = {}) {
    try {
      load_config(toml ? std::optional(write_toml(*toml)) : std::nullopt, overrides);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded without error:\n" << toml.value_or("(no file)");
    return "";
  }

  testing::TempDir dir_;
  std::map<std::string, std::string> saved_;
  std::map<std::string, std::string> set_;
};

constexpr const char* kToml = R"(listen = "127.0.0.1:9090"
db = "sqlite:/var/lib/inereg/test.db"

[checks]
workers = 5

[http]
max_body_bytes = 4096
)";

TEST_F(LoadConfig, DefaultsWithoutFileOrEnvironment) {
  const Config config = load_config(std::nullopt);
  EXPECT_EQ(config.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.db, "sqlite:inereg.db");
  EXPECT_EQ(config.checks.workers, 2);
  EXPECT_EQ(config.http.max_body_bytes, 1024U * 1024U);
  EXPECT_EQ(config.store.size, 0);  // the machine's default
  EXPECT_EQ(config.store.acquire_timeout, std::chrono::milliseconds(10'000));
  EXPECT_EQ(config.store.max_group_commit, 128);
}

// At a registry's seconds of latency every lookup in flight holds a connection: unless
// told otherwise, each connector thread keeps its share of the in-flight cap alive.
TEST_F(LoadConfig, RegistryKeepsAConnectionPerLookupInFlightUnlessToldFewer) {
  const Config defaults = load_config(std::nullopt);
  EXPECT_EQ(registry::idle_connections_per_thread(defaults.registry.upstream, 1), 4'096U);
  const Config large = load_config(write_toml("[registry]\nmax_in_flight = 10000\n"));
  EXPECT_EQ(registry::idle_connections_per_thread(large.registry.upstream, 1), 10'000U);
  EXPECT_EQ(registry::idle_connections_per_thread(large.registry.upstream, 3), 3'334U);
  const Config fewer = load_config(write_toml("[registry]\nmax_in_flight = 10000\nmax_idle_connections = 64\n"));
  EXPECT_EQ(registry::idle_connections_per_thread(fewer.registry.upstream, 3), 64U);
  const Config none = load_config(write_toml("[registry]\nmax_idle_connections = 0\n"));
  EXPECT_EQ(registry::idle_connections_per_thread(none.registry.upstream, 1), 0U);
}

TEST_F(LoadConfig, IoThreadPinningIsOnUnlessTurnedOff) {
  EXPECT_TRUE(load_config(std::nullopt).http.pin_io_threads);
  const auto off = write_toml("[http]\npin_io_threads = false\n");
  EXPECT_FALSE(load_config(off).http.pin_io_threads);
  set_env("INEREG_HTTP_PIN_IO_THREADS", "true");
  EXPECT_TRUE(load_config(off).http.pin_io_threads);
}

TEST_F(LoadConfig, ReadsTheTomlFile) {
  const Config config = load_config(write_toml(kToml));
  EXPECT_EQ(config.listen, "127.0.0.1:9090");
  EXPECT_EQ(config.db, "sqlite:/var/lib/inereg/test.db");
  EXPECT_EQ(config.checks.workers, 5);
  EXPECT_EQ(config.http.max_body_bytes, 4096U);
}

TEST_F(LoadConfig, EnvironmentOverridesTheFile) {
  set_env("INEREG_CHECKS_WORKERS", "0");
  set_env("INEREG_LISTEN", "127.0.0.1:0");
  const Config config = load_config(write_toml(kToml));
  EXPECT_EQ(config.checks.workers, 0);
  EXPECT_EQ(config.listen, "127.0.0.1:0");
  EXPECT_EQ(config.http.max_body_bytes, 4096U);  // not overridden: the file's value stays
}

TEST_F(LoadConfig, FlagsOverrideTheEnvironmentAndTheFile) {
  set_env("INEREG_DB", "sqlite:from-env.db");
  set_env("INEREG_LISTEN", "127.0.0.1:7070");
  const Config config = load_config(write_toml(kToml), {{"db", "sqlite:from-flag.db", "--db"}});
  EXPECT_EQ(config.db, "sqlite:from-flag.db");
  EXPECT_EQ(config.listen, "127.0.0.1:7070");  // the environment's: no flag for it
  EXPECT_EQ(config.checks.workers, 5);         // the file's
}

TEST_F(LoadConfig, BadFlagValueNamesTheFlag) {
  const auto error = error_loading(std::nullopt, {{"listen", "localhost", "--listen"}});
  EXPECT_NE(error.find("--listen"), std::string::npos) << error;
  EXPECT_NE(error.find("HOST:PORT"), std::string::npos) << error;
}

TEST_F(LoadConfig, UnsettingTheVariableRestoresTheFilesValue) {
  set_env("INEREG_CHECKS_WORKERS", "7");
  EXPECT_EQ(load_config(write_toml(kToml)).checks.workers, 7);
  ::unsetenv("INEREG_CHECKS_WORKERS");
  EXPECT_EQ(load_config(write_toml(kToml)).checks.workers, 5);
}

TEST_F(LoadConfig, IntegersGivenAsTomlStringsAreAccepted) {
  EXPECT_EQ(load_config(write_toml("[checks]\nworkers = \"3\"\n")).checks.workers, 3);
}

TEST_F(LoadConfig, BadIntegerInTheFileNamesTheKey) {
  EXPECT_NE(error_loading("[checks]\nworkers = \"many\"\n").find("checks.workers"), std::string::npos);
  EXPECT_NE(error_loading("[checks]\nworkers = 1000\n").find("checks.workers"), std::string::npos);
  EXPECT_NE(error_loading("[http]\nmax_body_bytes = 10\n").find("http.max_body_bytes"), std::string::npos);
  EXPECT_NE(error_loading("[checks]\nworkers = 2.5\n").find("checks.workers"), std::string::npos);
  EXPECT_NE(error_loading("[checks]\nworkers = \"3x\"\n").find("checks.workers"), std::string::npos);
}

TEST_F(LoadConfig, WrongTypesInTheFileNameTheKeyAndTheFile) {
  const std::string file = dir_.file("inereg.toml");
  const std::pair<const char*, const char*> cases[] = {
      {"db = 5\n", "db"},
      {"listen = [\"127.0.0.1:80\"]\n", "listen"},
      {"[metrics]\nenabled = \"yes\"\n", "metrics.enabled"},
      {"[metrics]\nenabled = 1.0\n", "metrics.enabled"},
      {"[registry]\nurl = 8090\n", "registry.url"},
      {"[checks]\nworkers = true\n", "checks.workers"},
      {"[checks]\nworkers = { n = 1 }\n", "checks.workers"},
  };
  for (const auto& [toml, key] : cases) {
    const auto error = error_loading(toml);
    EXPECT_NE(error.find(std::string(key) + " (in " + file + ")"), std::string::npos) << toml << " -> " << error;
  }
}

TEST_F(LoadConfig, ValuesOutsideTheirChoicesAreRefused) {
  EXPECT_NE(error_loading("[registry]\nkind = \"htp\"\n").find("registry.kind"), std::string::npos);
  EXPECT_NE(error_loading("log_level = \"verbose\"\n").find("log_level"), std::string::npos);
  EXPECT_NE(error_loading("listen = \"localhost\"\n").find("HOST:PORT"), std::string::npos);
}

TEST_F(LoadConfig, BadIntegerInTheEnvironmentNamesTheKeyAndTheVariable) {
  set_env("INEREG_CHECKS_WORKERS", "two");
  const auto error = error_loading(std::nullopt);
  EXPECT_NE(error.find("checks.workers (INEREG_CHECKS_WORKERS)"), std::string::npos) << error;
}

TEST_F(LoadConfig, UnreadableTomlIsAConfigError) {
  EXPECT_NE(error_loading("listen = \n").find("config file"), std::string::npos);
  EXPECT_THROW(load_config(dir_.file("missing.toml")), ConfigError);
}

// load_config_text (the config_toml fuzz target's entry point) is load_config without
// the read: the same settings, and the same messages with the name it is given.
TEST_F(LoadConfig, TextLoadsAsTheFileWithTheSameMessages) {
  const std::string path = write_toml(kToml);
  const Config from_file = load_config(path);
  const Config from_text = load_config_text(kToml, path);
  EXPECT_EQ(from_text.listen, from_file.listen);
  EXPECT_EQ(from_text.db, from_file.db);
  EXPECT_EQ(from_text.checks.workers, 5);
  EXPECT_EQ(from_text.http.max_body_bytes, from_file.http.max_body_bytes);
  EXPECT_EQ(load_config_text(kToml, path, {{"checks.workers", "9", "--workers"}}).checks.workers, 9);
  for (const std::string toml : {"listen = \n", "[checks]\nworkerz = 1\n", "[nope]\nx = 1\n",
                                 "listen = \"localhost\"\n", "[webhooks]\nlease_ms = 1\ntimeout_ms = 1\n"}) {
    const std::string expected = error_loading(toml);
    try {
      (void)load_config_text(toml, dir_.file("inereg.toml"));
      ADD_FAILURE() << "loaded without error:\n" << toml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }
}

// Unknown names ------------------------------------------------------------------

TEST_F(LoadConfig, UnknownKeyInEverySectionIsRefusedNamingIt) {
  std::set<std::string> sections;
  for (const auto& setting : setting_names()) {
    const auto dot = setting.key.find('.');
    sections.insert(dot == std::string::npos ? "" : setting.key.substr(0, dot));
  }
  ASSERT_GE(sections.size(), 12U);  // top level, http, checks, vision, …, store
  const std::string file = dir_.file("inereg.toml");
  for (const auto& section : sections) {
    const std::string toml = section.empty() ? "no_such_setting = 1\n" : "[" + section + "]\nno_such_setting = 1\n";
    const std::string name = section.empty() ? "no_such_setting" : section + ".no_such_setting";
    EXPECT_EQ(error_loading(toml), "unknown setting " + name + " in " + file) << toml;
  }
}

TEST_F(LoadConfig, UnknownKeySuggestsTheNearestSetting) {
  const std::string file = dir_.file("inereg.toml");
  EXPECT_EQ(error_loading("[checks]\nworker = 2\n"),
            "unknown setting checks.worker in " + file + " (did you mean checks.workers?)");
  EXPECT_EQ(error_loading("lissten = \"127.0.0.1:80\"\n"),
            "unknown setting lissten in " + file + " (did you mean listen?)");
}

TEST_F(LoadConfig, KeyInTheWrongSectionSuggestsItsSection) {
  const std::string file = dir_.file("inereg.toml");
  EXPECT_EQ(error_loading("[api]\nintegration_cache_ms = 0\n"),
            "unknown setting api.integration_cache_ms in " + file + " (did you mean auth.integration_cache_ms?)");
  EXPECT_EQ(error_loading("workers = 2\n"), "unknown setting workers in " + file + " (did you mean checks.workers?)");
}

TEST_F(LoadConfig, UnknownSectionIsRefusedNamingIt) {
  const std::string file = dir_.file("inereg.toml");
  EXPECT_EQ(error_loading("[check]\nworkers = 2\n"),
            "unknown section [check] in " + file + " (did you mean [checks]?)");
  EXPECT_EQ(error_loading("[checks.extra]\nworkers = 2\n"), "unknown setting checks.extra in " + file);
  EXPECT_NE(error_loading("checks = 2\n").find("[checks] section"), std::string::npos);
}

TEST_F(LoadConfig, UnknownInEregVariableIsRefusedNamingIt) {
  set_env("INEREG_CHECKS_WORKER", "2");
  const auto error = error_loading(std::nullopt);
  EXPECT_TRUE(
      error.starts_with("unknown environment variable INEREG_CHECKS_WORKER (did you mean INEREG_CHECKS_WORKERS?)"))
      << error;
  ::unsetenv("INEREG_CHECKS_WORKER");
  set_env("INEREG_NOTHING_LIKE_IT", "1");
  EXPECT_TRUE(error_loading(std::nullopt).starts_with("unknown environment variable INEREG_NOTHING_LIKE_IT "));
}

TEST_F(LoadConfig, TestVariablesAndOtherProgramsVariablesAreIgnored) {
  set_env("INEREG_TEST_SOMETHING", "x");
  set_env("INEREG", "x");
  set_env("NOT_INEREG_CHECKS", "x");
  EXPECT_NO_THROW(load_config(std::nullopt));
}

// Every setting can be given in the environment, under its derived name.
TEST_F(LoadConfig, EveryVariableNameIsDistinctAndAccepted) {
  std::set<std::string> seen;
  for (const auto& setting : setting_names()) {
    EXPECT_TRUE(seen.insert(setting.env).second) << setting.env;
    EXPECT_TRUE(setting.env.starts_with("INEREG_") && !setting.env.starts_with("INEREG_TEST_")) << setting.env;
  }
  set_env("INEREG_REGISTRY_BREAKER_HALF_OPEN_PROBES", "3");
  set_env("INEREG_VISION_THREADS", "2");
  const Config config = load_config(std::nullopt);
  EXPECT_EQ(config.registry.upstream.breaker.half_open_probes, 3);
  EXPECT_EQ(config.checks.reading_threads, 2);
}

// Settings -----------------------------------------------------------------------

TEST_F(LoadConfig, StorePoolSizeAndAcquireTimeout) {
  const Config config = load_config(write_toml("[store]\npool_size = 3\nacquire_timeout_ms = 250\n"));
  EXPECT_EQ(config.store.size, 3);
  EXPECT_EQ(config.store.acquire_timeout, std::chrono::milliseconds(250));
  set_env("INEREG_STORE_POOL_SIZE", "9");
  EXPECT_EQ(load_config(write_toml("[store]\npool_size = 3\n")).store.size, 9);
  ::unsetenv("INEREG_STORE_POOL_SIZE");
  EXPECT_NE(error_loading("[store]\npool_size = -1\n").find("store.pool_size"), std::string::npos);
  EXPECT_NE(error_loading("[store]\nacquire_timeout_ms = 0\n").find("store.acquire_timeout_ms"), std::string::npos);
  EXPECT_EQ(load_config(write_toml("[store]\nmax_group_commit = 8\n")).store.max_group_commit, 8);
  EXPECT_NE(error_loading("[store]\nmax_group_commit = 0\n").find("store.max_group_commit"), std::string::npos);
}

TEST_F(LoadConfig, MediaLimitsDefaultToVeriffsAndAreRead) {
  const Config defaults = load_config(std::nullopt);
  EXPECT_EQ(defaults.media.max_upload_bytes, 24U << 20);
  EXPECT_EQ(defaults.media.limits.max_files_per_session, 20);
  EXPECT_EQ(defaults.media.limits.max_bytes_per_session, 100LL << 20);
  const Config config = load_config(write_toml(R"([media]
max_upload_bytes = 1048576
max_files_per_session = 5
max_bytes_per_session = 2097152
)"));
  EXPECT_EQ(config.media.max_upload_bytes, 1048576U);
  EXPECT_EQ(config.media.limits.max_files_per_session, 5);
  EXPECT_EQ(config.media.limits.max_bytes_per_session, 2097152);
  EXPECT_NE(error_loading("[media]\nmax_files_per_session = 0\n").find("media.max_files_per_session"),
            std::string::npos);
}

TEST_F(LoadConfig, RecheckPaceAndAttemptsHaveDefaultsAndLimits) {
  const Config defaults = load_config(std::nullopt);
  EXPECT_EQ(defaults.checks.recheck.rate_per_second, 5);
  EXPECT_EQ(defaults.checks.recheck.max_attempts, 5);
  EXPECT_EQ(defaults.checks.recheck.sweep_interval_ms, 60'000);
  const Config config =
      load_config(write_toml("[recheck]\nrate_per_second = 50\nmax_attempts = 2\nsweep_interval_ms = 1000\n"));
  EXPECT_EQ(config.checks.recheck.rate_per_second, 50);
  EXPECT_EQ(config.checks.recheck.max_attempts, 2);
  EXPECT_EQ(config.checks.recheck.sweep_interval_ms, 1'000);
  set_env("INEREG_RECHECK_RATE_PER_SECOND", "7");
  EXPECT_EQ(load_config(std::nullopt).checks.recheck.rate_per_second, 7);
  ::unsetenv("INEREG_RECHECK_RATE_PER_SECOND");
  // No unlimited pace: 0 would let a due schedule flood the source.
  EXPECT_NE(error_loading("[recheck]\nrate_per_second = 0\n").find("recheck.rate_per_second"), std::string::npos);
  EXPECT_NE(error_loading("[recheck]\nmax_attempts = 0\n").find("recheck.max_attempts"), std::string::npos);
}

TEST_F(LoadConfig, PublicUrlLosesTrailingSlashes) {
  EXPECT_EQ(load_config(write_toml("public_url = \"https://ine.example.test//\"\n")).public_url,
            "https://ine.example.test");
}

TEST_F(LoadConfig, WebhookLeaseMustExceedTheAttemptTimeout) {
  EXPECT_NE(error_loading("[webhooks]\ntimeout_ms = 2000\nlease_ms = 2000\n").find("webhooks.lease_ms"),
            std::string::npos);
}

// Registry sources ---------------------------------------------------------------------

TEST_F(LoadConfig, SourcesComeFromTheirSectionsAndTheEnvironment) {
  set_env("INEREG_SOURCE_NUFI_AUTH_VALUE", "from-env");
  set_env("INEREG_REGISTRY_SOURCES", "nufi,acme");
  const auto config = load_config(write_toml(R"(
[registry]
kind = "http"
answer_max_bytes = 2048

[source.nufi]
mapping = "nufi"
url = "https://nufi.example/validar"
auth_value = "from-file"

[source.acme]
mapping = "custom"
url = "http://127.0.0.1:9000/ine"
auth_user = "u"
auth_password = "p"
body_eh = '{"cic":"${cic}","id":"${citizen_id}"}'
body_d = '{"cic":"${cic}","ocr":"${ocr}"}'
body_c = '{"clave":"${elector_key}","emision":"${emission_number}","ocr":"${ocr}"}'
verdict = [{ at = "r.code", codes = "message_codes" },
           { at = "r.text", values = { "VIGENTE" = "VIGENTE", "NO" = 21, "CAIDO" = "no_verdict" } }]
)"));
  EXPECT_EQ(config.registry.upstream.answer_max_bytes, 2048U);
  EXPECT_EQ(config.registry.order, (std::vector<std::string>{"nufi", "acme"}));
  ASSERT_EQ(config.registry.sources.size(), 2U);
  const auto ordered = registry::sources_in_order(config.registry);
  ASSERT_EQ(ordered.size(), 2U);
  EXPECT_EQ(ordered[0].name, "nufi");
  EXPECT_EQ(ordered[0].auth_value, "from-env");  // the environment over the file
  EXPECT_EQ(ordered[1].auth_user, "u");
  const auto acme = registry::mapping_of(ordered[1]);
  ASSERT_EQ(acme.verdict.size(), 2U);
  EXPECT_EQ(acme.verdict[0].codes, registry::Codebook::kMessageCodes);
  EXPECT_EQ(acme.verdict[1].values.at("VIGENTE"), 1);
  EXPECT_EQ(acme.verdict[1].values.at("NO"), 21);
  EXPECT_FALSE(acme.verdict[1].values.at("CAIDO"));
}

TEST_F(LoadConfig, ABadSourceStopsTheStartNamingIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[source.nufi]\nurll = \"x\"\n", "source.nufi.urll (in "},
      {"[source.Nu_Fi]\nurl = \"x\"\n", "Nu_Fi"},
      {"[source.nufi]\nmapping = \"nufy\"\n", "source.nufi.mapping"},
      {"[source.acme]\nmapping = \"custom\"\n", "source.acme: body_eh is missing"},
      {"[source.nufi]\nbody_d = '{\"x\":\"${curp}\"}'\n", "body_d uses ${curp}"},
      {"[source.nufi]\nverdict = [{ at = \"a\", values = { \"x\" = 99 } }]\n", "source.nufi.verdict"},
      {"[source.nufi]\nverdict = [{ at = \"a\", codes = \"codes\" }]\n", "source.nufi.verdict"},
      {"[source.nufi]\nverdict = [{ path = \"a\" }]\n", "source.nufi.verdict"},
  };
  for (const auto& [toml, expected] : cases) {
    EXPECT_NE(error_loading(toml).find(expected), std::string::npos) << toml << " -> " << error_loading(toml);
  }
  set_env("INEREG_SOURCE_NUFI_URLL", "x");
  EXPECT_NE(error_loading("").find("INEREG_SOURCE_NUFI_URLL"), std::string::npos);
}

// The documentation ----------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ```toml blocks of a Markdown file, joined.
std::string toml_blocks(const std::string& markdown) {
  std::string out;
  std::size_t at = 0;
  while ((at = markdown.find("```toml\n", at)) != std::string::npos) {
    at += 8;
    const auto end = markdown.find("```", at);
    out += markdown.substr(at, end - at);
    at = end + 3;
  }
  return out;
}

// README's configuration blocks list every setting exactly once (a duplicate table or
// key is a TOML error), in its section, and load as they are.
TEST_F(LoadConfig, ReadmeDocumentsEverySettingOnceAndItLoads) {
  const std::string toml = toml_blocks(read_file(std::string(INEREG_SOURCE_DIR) + "/README.md"));
  ASSERT_FALSE(toml.empty());
  const auto table = toml::parse(toml);
  std::set<std::string> documented;
  for (const auto& [key, node] : table) {
    if (const auto* section = node.as_table()) {
      for (const auto& [inner, value] : *section) {
        if (const auto* family = value.as_table()) {
          // [source.NAME]: its keys are settings of every source, "source.*.url".
          for (const auto& [member, setting] : *family) {
            documented.insert(std::string(key.str()) + ".*." + std::string(member.str()));
          }
          continue;
        }
        documented.insert(std::string(key.str()) + "." + std::string(inner.str()));
      }
    } else {
      documented.insert(std::string(key.str()));
    }
  }
  std::set<std::string> accepted;
  for (const auto& setting : setting_names()) {
    accepted.insert(setting.key);
  }
  EXPECT_EQ(documented, accepted);
  EXPECT_NO_THROW(load_config(write_toml(toml)));
}

// Every INEREG_* variable the documents name is a setting's or the tests' own.
TEST_F(LoadConfig, DocumentedVariablesAreAccepted) {
  std::set<std::string> accepted;
  for (const auto& setting : setting_names()) {
    accepted.insert(setting.env);
  }
  for (const char* document : {"README.md", "docs/DEPLOYMENT.md", "docs/UPSTREAM.md", "docs/ARCHITECTURE.md"}) {
    const std::string text = read_file(std::string(INEREG_SOURCE_DIR) + "/" + document);
    ASSERT_FALSE(text.empty()) << document;
    for (std::size_t at = 0; (at = text.find("INEREG_", at)) != std::string::npos;) {
      auto end = at + 7;
      while (end < text.size() && (std::isupper(static_cast<unsigned char>(text[end])) ||
                                   std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
        ++end;
      }
      std::string name = text.substr(at, end - at);
      // "INEREG_HTTP_*", "INEREG_<SECTION>_<KEY>", "INEREG_SOURCE_<NAME>_<KEY>"
      const bool pattern = name == "INEREG_" || (end < text.size() && (text[end] == '*' || text[end] == '<'));
      // A source's variable names the source: INEREG_SOURCE_NUFI_URL is INEREG_SOURCE_*_URL.
      constexpr std::string_view kSourcePrefix = "INEREG_SOURCE_";
      if (name.starts_with(kSourcePrefix) && name.find('_', kSourcePrefix.size()) != std::string::npos) {
        name.replace(kSourcePrefix.size(), name.find('_', kSourcePrefix.size()) - kSourcePrefix.size(), "*");
      }
      const bool cmake_option = at >= 2 && text.compare(at - 2, 2, "-D") == 0;  // -DINEREG_FUZZ=ON
      if (!pattern && !cmake_option && !name.starts_with("INEREG_TEST_")) {
        EXPECT_TRUE(accepted.contains(name)) << document << " names " << name;
      }
      at = end;
    }
  }
}

// Listen addresses -----------------------------------------------------------------

TEST(ParseListen, Ipv4HostAndPort) {
  const auto address = parse_listen("127.0.0.1:8080");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 8080);
}

TEST(ParseListen, BracketedIpv6HostAndPort) {
  const auto address = parse_listen("[::1]:9000");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 9000);
}

TEST(ParseListen, PortZeroMeansAnyFreePort) {
  EXPECT_EQ(parse_listen("127.0.0.1:0").port, 0);
}

TEST(ParseListen, MissingOrBadPortIsAConfigError) {
  for (const char* listen : {"127.0.0.1", "127.0.0.1:", "[::1]", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    EXPECT_THROW(parse_listen(listen), ConfigError) << listen;
  }
}

// The connection pool's bounded wait -------------------------------------------------

TEST(ConnectionPoolWait, GivesUpWithAStoreErrorNamingTheSettings) {
  std::mutex mutex;
  std::condition_variable available;
  std::unique_lock lock(mutex);
  const store::PoolOptions options{1, std::chrono::milliseconds(20)};
  const auto started = std::chrono::steady_clock::now();
  try {
    store::wait_for_connection(lock, available, options, [] { return false; });
    FAIL() << "waited past the timeout without an error";
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("store.acquire_timeout_ms"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("store.pool_size"), std::string::npos) << e.what();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(20));
  EXPECT_TRUE(lock.owns_lock());
}

TEST(ConnectionPoolWait, ReturnsOnceAConnectionIsReleased) {
  std::mutex mutex;
  std::condition_variable available;
  bool idle = false;
  std::thread releaser([&] {
    std::lock_guard guard(mutex);
    idle = true;
    available.notify_one();
  });
  {
    std::unique_lock lock(mutex);
    // Long enough never to pass on a loaded machine: the release ends the wait.
    const store::PoolOptions options{1, std::chrono::milliseconds(60'000)};
    EXPECT_NO_THROW(store::wait_for_connection(lock, available, options, [&] { return idle; }));
    EXPECT_TRUE(idle);
  }
  releaser.join();
}

TEST(ConnectionPoolWait, DefaultSizeIsAtLeastFour) {
  EXPECT_GE(store::pool_size(store::PoolOptions{}), 4);
  EXPECT_EQ(store::pool_size(store::PoolOptions{3, std::chrono::milliseconds(1)}), 3);
}

}  // namespace
}  // namespace inereg::config
