#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "admin/integrations.hpp"
#include "api/page_options.hpp"
#include "app/service.hpp"
#include "ine/credential.hpp"
#include "registry/registry_file.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

// The component-test harness: the real app::Service (on the backend INEREG_TEST_BACKEND
// picks: SQLite in a temp file or a fresh PostgreSQL database; real loopback HTTP on
// port 0) running in-process on its own thread, plus a client that
// speaks Veriff's signing rules.
namespace inereg::component {

using testing::HttpCall;
using testing::HttpReply;

using testing::TempDir;
using testing::TestDatabase;

// What a test may change about the service it runs against.
struct ServiceOptions {
  int check_workers = 2;  // 0 keeps every submitted check pending
  std::size_t max_body_bytes = 4096;
  std::size_t max_header_bytes = 4096;
  std::chrono::milliseconds drain_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::optional<int> max_connections;                   // unset: the config default
  std::optional<int> io_threads;                        // unset: the config default
  bool pin_io_threads = true;                           // http.pin_io_threads
  std::optional<std::size_t> max_body_bytes_in_flight;  // unset: the config default
  // Off unless a test asks: every component test's client is 127.0.0.1, and the
  // authentication tests fail on purpose many times a minute.
  api::AuthThrottleSettings auth_throttle{.failures_before_delay = 1'000'000, .failures_before_429 = 0};
  bool delete_enabled = true;
  store::DeleteRateLimit delete_limit;
  bool metrics_enabled = true;                              // GET /metrics
  std::string metrics_token;                                // metrics.token
  std::optional<std::size_t> media_max_upload_bytes;        // unset: the config default
  std::optional<std::int64_t> media_max_files_per_session;  // unset: the config default
  api::PageOptions page;                                    // the verification page
  // The CURP source as an HTTP upstream at this URL (registry.curp_kind = http, one
  // attempt per lookup); unset: the local RENAPO snapshot.
  std::optional<std::string> curp_url;
  std::optional<std::int64_t> result_cache_ms;  // api.result_cache_ms; unset: the config default
};

inline constexpr std::string_view kPublicUrl = "https://verify.inereg.test";
inline constexpr std::chrono::seconds kWaitDeadline{10};

// app::Service on a thread. The destructor stops it and joins, so a failing test
// never leaves it running.
class RunningService {
 public:
  explicit RunningService(const ServiceOptions& options);
  ~RunningService();
  RunningService(const RunningService&) = delete;
  RunningService& operator=(const RunningService&) = delete;

  app::Service& service() { return *service_; }
  // The service's database, for SQL behind its back.
  const TestDatabase& database() const { return database_; }
  std::uint16_t port() const { return service_->port(); }
  // Starts the drain; returns true if run() returned within `deadline`.
  bool stop_within(std::chrono::milliseconds deadline);

 private:
  TempDir dir_;
  TestDatabase database_{dir_ / "t.db"};
  std::unique_ptr<app::Service> service_;
  std::future<void> finished_;
  std::thread thread_;
  bool stopped_ = false;
};

enum class Signing { kNone, kHmac, kLegacy };

// One integration's view of the API: every request carries its API key and, unless
// told otherwise, a signature over exactly what Veriff signs (body or session id).
class ApiClient {
 public:
  ApiClient(std::uint16_t port, admin::CreatedIntegration integration)
      : port_(port), integration_(std::move(integration)) {}

  const std::string& api_key() const { return integration_.api_key; }
  const std::string& secret() const { return integration_.shared_secret; }
  const std::string& integration_id() const { return integration_.id; }
  std::uint16_t port() const { return port_; }

  HttpReply post_session(const std::string& body, Signing signing = Signing::kHmac) const;
  HttpReply patch_session(const std::string& id, const std::string& body, Signing signing = Signing::kHmac) const;
  HttpReply submit(const std::string& id) const;
  HttpReply ine_registry(const std::string& id, std::string_view query = "?version=v1",
                         Signing signing = Signing::kHmac) const;
  HttpReply curp_registry(const std::string& id, std::string_view query = "?version=v1") const;
  HttpReply combined_registry(const std::string& id, std::string_view query = "?version=v1") const;
  HttpReply decision(const std::string& id) const;
  HttpReply person(const std::string& id) const;
  HttpReply delete_session(const std::string& id) const;
  HttpReply attempts(const std::string& id) const;
  // Any request with this client's key and `signature` (if set) as X-HMAC-SIGNATURE.
  HttpReply send(std::string method, std::string target, std::string body, std::optional<std::string> signature) const;

  // POST /v1/sessions that must answer 201; returns the new session id.
  std::string create(const std::string& body) const;
  // create + PATCH submitted (which must answer 200).
  std::string create_and_submit(const std::string& body) const;
  // Polls ine-registry until it is no longer 404; at the deadline, a test failure naming
  // the wait and the last reply.
  HttpReply wait_ine_registry(const std::string& id) const;
  // Polls the decision until its verification is not null; throws at the deadline.
  boost::json::object wait_decision(const std::string& id) const;

 private:
  HttpReply signed_request(std::string method, std::string target, std::string body, std::string_view signed_part,
                           Signing signing) const;

  std::uint16_t port_;
  admin::CreatedIntegration integration_;
};

// One running service per test, with an integration, a second unrelated integration,
// and a small synthetic registry: `vigente` (situation 1) and `deceased` (13) are
// imported, `unknown` is not.
class ComponentTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  virtual ServiceOptions options() const { return {}; }

  std::uint16_t port() const { return running_->port(); }
  app::Service& service() { return running_->service(); }
  RunningService& running() { return *running_; }
  const TestDatabase& database() const { return running_->database(); }
  ApiClient new_client(std::string_view name);

  std::unique_ptr<RunningService> running_;
  std::optional<ApiClient> client_;
  std::optional<ApiClient> other_client_;
  registry::RegistryRow vigente_;
  registry::RegistryRow deceased_;
  registry::RegistryRow unknown_;
};

// The same with checks.workers = 0: submitted checks stay pending.
class PendingChecksTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.check_workers = 0;
    return o;
  }
};

// Request bodies --------------------------------------------------------------------

// A Mexican INE create body for an E-H model credential (CIC + identificador), with
// person.idNumber when the credential has a CURP.
std::string ine_body(const ine::Credential& credential, std::optional<std::string> vendor_data = std::nullopt);
inline constexpr std::string_view kSubmitBody = R"({"verification":{"status":"submitted"}})";

// Reply helpers ---------------------------------------------------------------------

// The decision endpoint's exact body for a vigente credential.
inline constexpr std::string_view kVigenteBody = R"({"active":true,"documentState":"La credencial esta vigente"})";

boost::json::object parse_object(const std::string& body);
// A JSON string's text, or a marker that cannot equal any expected text.
std::string text_of(const boost::json::value& value);
// {"status":"fail","code":…,"message":…} exactly, compact.
std::string fail_body(std::string_view code, std::string_view message);
inline const std::string kNotFoundBody = R"({"status":"fail","code":"1101","message":"Resource not found"})";

// Status, code and (when given) message of an error reply in Veriff's error shape.
void expect_error(const HttpReply& reply, int status, std::string_view code,
                  std::optional<std::string_view> message = std::nullopt);
// GET /metrics (no token).
HttpReply scrape(std::uint16_t port);
// The value of the sample `series` (name plus labels, exactly as exposed) in a metrics
// page, or -1.
double sample(const std::string& text, const std::string& series);
// Scrapes until `series` has `value`. The queue depth is counted again after 1 to 5 s
// (ServiceMetrics::next_queue_depth_read), so the wait outlasts two of its longest gaps.
::testing::AssertionResult wait_for_sample(std::uint16_t port, const std::string& series, double value);

// Content-Type JSON, X-AUTH-CLIENT echoed, X-HMAC-SIGNATURE over the exact body bytes.
void expect_signed(const HttpReply& reply, const ApiClient& client);
// A 401: key echoed when one was sent, never a signature.
void expect_unauthorized(const HttpReply& reply, std::string_view code, std::optional<std::string> echoed_key);

bool is_uuid_v4(std::string_view text);
// "now" as a request-body timestamp (Veriff refuses ones older than an hour, 1201).
std::string fresh_timestamp();
bool is_iso8601_ms(std::string_view text);

}  // namespace inereg::component
