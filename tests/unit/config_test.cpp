#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

// Settings from defaults, a TOML file and INEREG_* variables, lowest precedence first.
namespace inereg::config {
namespace {

// The variables these tests read; cleared for each test and restored after it, so the
// outcome never depends on the environment the tests run in.
constexpr const char* kVariables[] = {"INEREG_LISTEN", "INEREG_DB", "INEREG_PUBLIC_URL", "INEREG_CHECKS_WORKERS",
                                      "INEREG_HTTP_MAX_BODY_BYTES"};

class LoadConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) {
      if (const char* value = std::getenv(name)) {
        saved_[name] = value;
      }
      ::unsetenv(name);
    }
  }

  void TearDown() override {
    for (const char* name : kVariables) {
      ::unsetenv(name);
    }
    for (const auto& [name, value] : saved_) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }

  std::string write_toml(const std::string& text) {
    const std::string path = dir_.file("inereg.toml");
    std::ofstream(path) << text;
    return path;
  }

  // The ConfigError message of loading `toml`, or "" when it loads.
  std::string error_loading(const std::string& toml) {
    try {
      load_config(write_toml(toml));
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded without error:\n" << toml;
    return "";
  }

  testing::TempDir dir_;
  std::map<std::string, std::string> saved_;
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
}

TEST_F(LoadConfig, ReadsTheTomlFile) {
  const Config config = load_config(write_toml(kToml));
  EXPECT_EQ(config.listen, "127.0.0.1:9090");
  EXPECT_EQ(config.db, "sqlite:/var/lib/inereg/test.db");
  EXPECT_EQ(config.checks.workers, 5);
  EXPECT_EQ(config.http.max_body_bytes, 4096U);
}

TEST_F(LoadConfig, EnvironmentOverridesTheFile) {
  ::setenv("INEREG_CHECKS_WORKERS", "0", 1);
  ::setenv("INEREG_LISTEN", "127.0.0.1:0", 1);
  const Config config = load_config(write_toml(kToml));
  EXPECT_EQ(config.checks.workers, 0);
  EXPECT_EQ(config.listen, "127.0.0.1:0");
  EXPECT_EQ(config.http.max_body_bytes, 4096U);  // not overridden: the file's value stays
}

TEST_F(LoadConfig, UnsettingTheVariableRestoresTheFilesValue) {
  ::setenv("INEREG_CHECKS_WORKERS", "7", 1);
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

TEST_F(LoadConfig, BadIntegerInTheEnvironmentNamesTheKey) {
  ::setenv("INEREG_CHECKS_WORKERS", "two", 1);
  try {
    load_config(std::nullopt);
    FAIL() << "loaded a non-integer worker count";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("checks.workers"), std::string::npos) << e.what();
  }
}

TEST_F(LoadConfig, UnreadableTomlIsAConfigError) {
  EXPECT_NE(error_loading("listen = \n").find("config file"), std::string::npos);
  EXPECT_THROW(load_config(dir_.file("missing.toml")), ConfigError);
}

TEST(ParseListen, Ipv4HostAndPort) {
  std::string host;
  std::uint16_t port = 1;
  parse_listen("127.0.0.1:8080", host, port);
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
}

TEST(ParseListen, BracketedIpv6HostAndPort) {
  std::string host;
  std::uint16_t port = 1;
  parse_listen("[::1]:9000", host, port);
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9000);
}

TEST(ParseListen, PortZeroMeansAnyFreePort) {
  std::string host;
  std::uint16_t port = 1;
  parse_listen("127.0.0.1:0", host, port);
  EXPECT_EQ(port, 0);
}

TEST(ParseListen, MissingOrBadPortIsAConfigError) {
  std::string host;
  std::uint16_t port = 0;
  for (const char* listen : {"127.0.0.1", "127.0.0.1:", "[::1]", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    EXPECT_THROW(parse_listen(listen, host, port), ConfigError) << listen;
  }
}

TEST(Finalize, DerivesHostPortAndPublicUrlFromListen) {
  Config config;
  config.listen = "127.0.0.1:9090";
  finalize(config);
  EXPECT_EQ(config.http.host, "127.0.0.1");
  EXPECT_EQ(config.http.port, 9090);
  EXPECT_EQ(config.public_url, "http://127.0.0.1:9090");
}

TEST(Finalize, KeepsAnExplicitPublicUrlWithoutTrailingSlashes) {
  Config config;
  config.listen = "127.0.0.1:9090";
  config.public_url = "https://ine.example.test//";
  finalize(config);
  EXPECT_EQ(config.public_url, "https://ine.example.test");
  EXPECT_EQ(config.http.port, 9090);
}

TEST(Finalize, BadListenIsAConfigError) {
  Config config;
  config.listen = "localhost";
  EXPECT_THROW(finalize(config), ConfigError);
}

TEST_F(LoadConfig, MediaLimitsDefaultToVeriffsAndAreRead) {
  const Config defaults = load_config(std::nullopt);
  EXPECT_EQ(defaults.media_max_upload_bytes, 24U << 20);
  EXPECT_EQ(defaults.media_limits.max_files_per_session, 20);
  EXPECT_EQ(defaults.media_limits.max_bytes_per_session, 100LL << 20);
  const Config config = load_config(write_toml(R"([media]
max_upload_bytes = 1048576
max_files_per_session = 5
max_bytes_per_session = 2097152
)"));
  EXPECT_EQ(config.media_max_upload_bytes, 1048576U);
  EXPECT_EQ(config.media_limits.max_files_per_session, 5);
  EXPECT_EQ(config.media_limits.max_bytes_per_session, 2097152);
  EXPECT_NE(error_loading("[media]\nmax_files_per_session = 0\n").find("media.max_files_per_session"),
            std::string::npos);
}

}  // namespace
}  // namespace inereg::config
