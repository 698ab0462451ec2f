#include "fuzz_service.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "admin/integrations.hpp"
#include "app/service.hpp"
#include "auth/signing.hpp"
#include "util/time.hpp"

namespace inereg::fuzz {
namespace {

constexpr int kInputsPerService = 20'000;
// 64 hex characters, as the config wants; the fuzz database holds nothing secret.
constexpr std::string_view kMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// A synthetic credential with valid check digits (the component tests' kCic).
constexpr std::string_view kSessionBody =
    R"({"verification":{"person":{"firstName":"JUAN","lastName":"PRUEBA","ineIdentifier":"118903355"},)"
    R"("document":{"number":"187006412","country":"MX","type":"ID_CARD"}}})";

// /dev/shm when there is one: the fuzz database's fsyncs then cost no disk I/O.
std::filesystem::path fresh_directory() {
  const std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                               : std::filesystem::temp_directory_path();
  std::string pattern = (base / "inereg-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return pattern;
}

config::Config fuzz_config(const std::filesystem::path& directory) {
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.db = "sqlite:" + (directory / "fuzz.db").string();
  config.master_key = std::string(kMasterKey);
  config.public_url = "https://verify.inereg.test";
  config.checks.workers = 0;  // submitted checks stay queued: the targets test the request path only
  // Off: the targets fail authentication on purpose all the time, and a throttled 429
  // would hide what comes after authentication.
  config.api.auth_throttle.failures_before_delay = 1'000'000'000;
  config.api.auth_throttle.failures_before_429 = 0;
  return config;
}

}  // namespace

struct FuzzService::Impl {
  explicit Impl(std::filesystem::path dir) : directory(std::move(dir)), service(fuzz_config(directory), false) {}
  ~Impl() {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
  std::filesystem::path directory;
  app::Service service;
};

FuzzService& FuzzService::next_input() {
  static std::optional<FuzzService> current;
  static int inputs = 0;
  if (!current || ++inputs % kInputsPerService == 0) {
    current.reset();
    current.emplace();
  }
  return *current;
}

FuzzService::FuzzService() {
  // An error the API logs is a finding only when it is a 5xx, which serve() traps on.
  spdlog::set_level(spdlog::level::off);
  impl_ = std::make_unique<Impl>(fresh_directory());
  const auto integration =
      admin::create_integration(impl_->service.store(), impl_->service.secret_box(), "fuzz", util::wall_clock_ms());
  api_key_ = integration.api_key;
  secret_ = integration.shared_secret;
  const std::string body(kSessionBody);
  const std::string signed_body = signature(body);
  const http::Response created = api().handle(signed_request("POST", "/v1/sessions", body, signed_body));
  require(created.status == 201);
  const auto at = created.body.find(R"("id":")");
  require(at != std::string::npos);
  session_id_ = created.body.substr(at + 6, 36);
}

FuzzService::~FuzzService() = default;

api::Api& FuzzService::api() {
  return impl_->service.api();
}

std::string FuzzService::signature(std::string_view signed_part) const {
  return auth::hmac_sha256_hex(secret_, signed_part);
}

http::Request FuzzService::signed_request(std::string_view method, std::string_view path, std::string_view body,
                                          std::string_view signature) const {
  http::Request request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.auth_client = api_key_;
  request.hmac_signature = signature;
  request.client_address = "127.0.0.1";
  return request;
}

http::Response FuzzService::serve(const http::Request& request, bool body_follows) {
  const http::Routing routing = api().route(request.method, request.path);
  std::optional<http::Response> answer;
  if (body_follows) {
    http::Request head = request;
    head.body = {};
    answer = api().admit(head, routing);
  }
  if (!answer) {
    answer = api().handle(request, routing);
  }
  require(answer->status < 500);
  if (answer->status == 401) {
    for (const auto& [name, value] : answer->headers) {
      require(name != "X-HMAC-SIGNATURE" && name != "X-SIGNATURE");
    }
  }
  return std::move(*answer);
}

}  // namespace inereg::fuzz
