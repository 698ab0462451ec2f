#include "service_fixture.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "config/config.hpp"
#include "support/wait_until.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

// Fixed so a failure replays with the same credentials.
constexpr std::uint64_t kRegistrySeed = 7'301'120;

}  // namespace

RunningService::RunningService(const ServiceOptions& options) {
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.db = database_.url();
  config.master_key = auth::random_master_key_hex();
  config.public_url = std::string(kPublicUrl);
  // Every request sees the integration's current state (the deactivation tests).
  config.auth.integration_cache_ms = 0;
  config.http.max_body_bytes = options.max_body_bytes;
  config.http.max_header_bytes = options.max_header_bytes;
  config.http.drain_timeout = options.drain_timeout;
  config.http.read_timeout = options.read_timeout;
  config.http.idle_timeout = options.idle_timeout;
  if (options.max_connections) {
    config.http.max_connections = *options.max_connections;
  }
  if (options.io_threads) {
    config.http.io_threads = *options.io_threads;
  }
  config.http.pin_io_threads = options.pin_io_threads;
  if (options.max_body_bytes_in_flight) {
    config.http.max_body_bytes_in_flight = *options.max_body_bytes_in_flight;
  }
  if (options.media_max_upload_bytes) {
    config.media.max_upload_bytes = *options.media_max_upload_bytes;
  }
  if (options.media_max_files_per_session) {
    config.media.limits.max_files_per_session = *options.media_max_files_per_session;
  }
  config.checks.workers = options.check_workers;
  config.api.delete_enabled = options.delete_enabled;
  if (options.result_cache_ms) {
    config.api.result_cache_ms = *options.result_cache_ms;
  }
  config.api.auth_throttle = options.auth_throttle;
  config.api.delete_limit = options.delete_limit;
  config.checks.poll_ms = 20;
  config.metrics.enabled = options.metrics_enabled;
  config.metrics.token = options.metrics_token;
  config.page = options.page;
  if (options.curp_url) {
    config.registry.curp_kind = "http";
    config.registry.curp_url = *options.curp_url;
    config.registry.upstream.max_attempts = 1;
    config.registry.upstream.lookup_timeout_ms = 2'000;
    config.checks.retry_base_ms = 100;  // a test outlives a few retries of the unavailable source
    config.checks.retry_max_ms = 400;
  }
  service_ = std::make_unique<app::Service>(std::move(config), /*handle_signals=*/false);

  std::promise<void> finished;
  finished_ = finished.get_future();
  thread_ = std::thread([this, finished = std::move(finished)]() mutable {
    try {
      service_->run();
      finished.set_value();
    } catch (...) {
      finished.set_exception(std::current_exception());
    }
  });
}

RunningService::~RunningService() {
  if (!stopped_) {
    service_->stop();
  }
  thread_.join();
}

bool RunningService::stop_within(std::chrono::milliseconds deadline) {
  stopped_ = true;
  service_->stop();
  return finished_.wait_for(deadline) == std::future_status::ready;
}

// Metrics ------------------------------------------------------------------------

HttpReply scrape(std::uint16_t port) {
  return testing::http_call(port, HttpCall{"GET", "/metrics", "", {}});
}

double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

::testing::AssertionResult wait_for_sample(std::uint16_t port, const std::string& series, double value) {
  return testing::wait_until([&] { return sample(scrape(port).body, series) == value; }, 2 * kWaitDeadline,
                             series + " at " + std::to_string(value));
}

// ApiClient ----------------------------------------------------------------------

HttpReply ApiClient::send(std::string method, std::string target, std::string body,
                          std::optional<std::string> signature) const {
  HttpCall call;
  call.method = std::move(method);
  call.target = std::move(target);
  call.body = std::move(body);
  call.headers.emplace_back("X-AUTH-CLIENT", integration_.api_key);
  if (!call.body.empty()) {
    call.headers.emplace_back("Content-Type", "application/json");
  }
  if (signature) {
    call.headers.emplace_back("X-HMAC-SIGNATURE", *signature);
  }
  return testing::http_call(port_, call);
}

HttpReply ApiClient::signed_request(std::string method, std::string target, std::string body,
                                    std::string_view signed_part, Signing signing) const {
  HttpCall call;
  call.method = std::move(method);
  call.target = std::move(target);
  call.headers.emplace_back("X-AUTH-CLIENT", integration_.api_key);
  if (!body.empty()) {
    call.headers.emplace_back("Content-Type", "application/json");
  }
  switch (signing) {
    case Signing::kNone:
      break;
    case Signing::kHmac:
      call.headers.emplace_back("X-HMAC-SIGNATURE", auth::hmac_sha256_hex(integration_.shared_secret, signed_part));
      break;
    case Signing::kLegacy:
      call.headers.emplace_back("X-SIGNATURE", auth::legacy_sha256_hex(signed_part, integration_.shared_secret));
      break;
  }
  call.body = std::move(body);
  return testing::http_call(port_, call);
}

HttpReply ApiClient::post_session(const std::string& body, Signing signing) const {
  return signed_request("POST", "/v1/sessions", body, body, signing);
}

HttpReply ApiClient::patch_session(const std::string& id, const std::string& body, Signing signing) const {
  return signed_request("PATCH", "/v1/sessions/" + id, body, body, signing);
}

HttpReply ApiClient::submit(const std::string& id) const {
  return patch_session(id, std::string(kSubmitBody));
}

HttpReply ApiClient::ine_registry(const std::string& id, std::string_view query, Signing signing) const {
  return signed_request("GET", "/v1/sessions/" + id + "/decision/ine-registry" + std::string(query), "", id, signing);
}

HttpReply ApiClient::curp_registry(const std::string& id, std::string_view query) const {
  return signed_request("GET", "/v1/sessions/" + id + "/decision/curp-registry" + std::string(query), "", id,
                        Signing::kHmac);
}

HttpReply ApiClient::combined_registry(const std::string& id, std::string_view query) const {
  return signed_request("GET", "/v1/sessions/" + id + "/decision/combined-ine-curp-registry" + std::string(query), "",
                        id, Signing::kHmac);
}

HttpReply ApiClient::decision(const std::string& id) const {
  return signed_request("GET", "/v1/sessions/" + id + "/decision", "", id, Signing::kHmac);
}

HttpReply ApiClient::person(const std::string& id) const {
  return signed_request("GET", "/v1/sessions/" + id + "/person", "", id, Signing::kHmac);
}

HttpReply ApiClient::delete_session(const std::string& id) const {
  return signed_request("DELETE", "/v1/sessions/" + id, "", id, Signing::kHmac);
}

HttpReply ApiClient::attempts(const std::string& id) const {
  return signed_request("GET", "/v1/sessions/" + id + "/attempts", "", id, Signing::kHmac);
}

std::string ApiClient::create(const std::string& body) const {
  const HttpReply reply = post_session(body);
  if (reply.status != 201) {
    throw std::runtime_error("POST /v1/sessions answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  return std::string(parse_object(reply.body).at("verification").at("id").as_string());
}

std::string ApiClient::create_and_submit(const std::string& body) const {
  std::string id = create(body);
  const HttpReply reply = submit(id);
  if (reply.status != 200) {
    throw std::runtime_error("PATCH answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  return id;
}

HttpReply ApiClient::wait_ine_registry(const std::string& id) const {
  HttpReply reply;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        reply = ine_registry(id);
        return reply.status != 404;
      },
      kWaitDeadline, "the INE registry answer of session " + id));
  return reply;
}

boost::json::object ApiClient::wait_decision(const std::string& id) const {
  boost::json::object body;
  const auto decided = testing::wait_until(
      [&] {
        const HttpReply reply = decision(id);
        if (reply.status != 200) {
          throw std::runtime_error("GET decision answered " + std::to_string(reply.status) + ": " + reply.body);
        }
        body = parse_object(reply.body);
        return !body.at("verification").is_null();
      },
      kWaitDeadline, "the decision of session " + id);
  if (!decided) {
    throw std::runtime_error(decided.message());
  }
  return body;
}

// ComponentTest ------------------------------------------------------------------

void ComponentTest::SetUp() {
  spdlog::set_level(spdlog::level::warn);
  running_ = std::make_unique<RunningService>(options());
  client_.emplace(new_client("component"));
  other_client_.emplace(new_client("other"));

  registry::SyntheticRegistry synthetic(kRegistrySeed);
  vigente_ = synthetic.make("G", 1);
  deceased_ = synthetic.make("E", 13);
  unknown_ = synthetic.make("H", 1);  // drawn, never imported
  const std::vector<store::RegistryEntry> entries = {registry::to_registry_entry(vigente_),
                                                     registry::to_registry_entry(deceased_)};
  service().store().upsert_registry_entries(entries);
}

void ComponentTest::TearDown() {
  running_.reset();
}

ApiClient ComponentTest::new_client(std::string_view name) {
  return ApiClient(port(),
                   admin::create_integration(service().store(), service().secret_box(), name, util::wall_clock_ms()));
}

// Bodies and assertions ------------------------------------------------------------

std::string ine_body(const ine::Credential& credential, std::optional<std::string> vendor_data) {
  boost::json::object person{{"firstName", "JUAN"}, {"lastName", "PEREZ"}, {"ineIdentifier", credential.citizen_id}};
  boost::json::object document{{"number", credential.cic}, {"country", "MX"}, {"type", "ID_CARD"}};
  if (!credential.curp.empty()) {
    person["idNumber"] = credential.curp;
  }
  boost::json::object verification{{"person", person}, {"document", document}};
  if (vendor_data) {
    verification["vendorData"] = *vendor_data;
  }
  return boost::json::serialize(boost::json::object{{"verification", verification}});
}

boost::json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    throw std::runtime_error("not a JSON object: " + body);
  }
  return std::move(value.as_object());
}

std::string text_of(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : "<not a string: " + boost::json::serialize(value) + ">";
}

std::string fail_body(std::string_view code, std::string_view message) {
  return boost::json::serialize(boost::json::object{{"status", "fail"}, {"code", code}, {"message", message}});
}

void expect_error(const HttpReply& reply, int status, std::string_view code, std::optional<std::string_view> message) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const auto body = parse_object(reply.body);
  ASSERT_EQ(body.size(), 3U) << reply.body;
  EXPECT_EQ(body.at("status"), "fail") << reply.body;
  EXPECT_EQ(text_of(body.at("code")), code) << reply.body;
  ASSERT_TRUE(body.at("message").is_string()) << reply.body;
  if (message) {
    EXPECT_EQ(body.at("message").as_string(), *message);
  }
}

void expect_signed(const HttpReply& reply, const ApiClient& client) {
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.header("x-auth-client"), client.api_key());
  EXPECT_EQ(reply.header("x-hmac-signature"), auth::hmac_sha256_hex(client.secret(), reply.body));
  EXPECT_FALSE(reply.has_header("x-signature"));
}

void expect_unauthorized(const HttpReply& reply, std::string_view code, std::optional<std::string> echoed_key) {
  EXPECT_EQ(reply.status, 401) << reply.body;
  const auto body = parse_object(reply.body);
  EXPECT_EQ(body.at("status"), "fail");
  EXPECT_EQ(text_of(body.at("code")), code) << reply.body;
  EXPECT_FALSE(reply.has_header("x-hmac-signature"));
  EXPECT_FALSE(reply.has_header("x-signature"));
  if (echoed_key) {
    EXPECT_EQ(reply.header("x-auth-client"), *echoed_key);
  } else {
    EXPECT_FALSE(reply.has_header("x-auth-client"));
  }
}

bool is_uuid_v4(std::string_view text) {
  static const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(text.begin(), text.end(), kUuidV4);
}

std::string fresh_timestamp() {
  return util::format_iso8601_ms(util::wall_clock_ms());
}

bool is_iso8601_ms(std::string_view text) {
  static const std::regex kIso("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z");
  return std::regex_match(text.begin(), text.end(), kIso);
}

}  // namespace inereg::component
