#include "webhooks/delivery_worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "http/resolver.hpp"
#include "webhooks/http_post.hpp"
#include "webhooks/webhook_url.hpp"

namespace inereg::webhooks {
namespace {

namespace asio = boost::asio;

bool is_success(const store::WebhookAttempt& attempt) {
  return attempt.http_status && *attempt.http_status >= 200 && *attempt.http_status < 300;
}

std::string outcome_text(const store::WebhookAttempt& attempt) {
  return attempt.http_status ? "HTTP " + std::to_string(*attempt.http_status) : attempt.error;
}

}  // namespace

std::optional<store::TimeMs> next_attempt_at(const DeliveryOptions& options, int attempts, store::TimeMs created_at,
                                             store::TimeMs now) {
  store::TimeMs delay = std::max<store::TimeMs>(1, options.first_retry_ms);
  for (int i = 1; i < attempts && delay < options.retry_interval_ms; ++i) {
    delay *= 2;
  }
  const store::TimeMs next = now + std::min(delay, options.retry_interval_ms);
  if (next > created_at + options.max_age_ms) {
    return std::nullopt;
  }
  return next;
}

DeliveryWorker::DeliveryWorker(store::Store& store, auth::IntegrationDirectory& directory, DeliveryOptions options,
                               Clock clock)
    : store_(store),
      directory_(directory),
      options_(std::move(options)),
      clock_(std::move(clock)),
      owner_(auth::random_uuid_v4()),
      tls_(asio::ssl::context::tls_client),
      wakeup_(io_) {
  tls_.set_default_verify_paths();
  tls_.set_verify_mode(asio::ssl::verify_peer);
  if (!options_.ca_file.empty()) {
    tls_.load_verify_file(options_.ca_file);  // throws for a missing or unreadable file
  }
}

DeliveryWorker::~DeliveryWorker() {
  stop();
}

void DeliveryWorker::start() {
  asio::co_spawn(io_, dispatch(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void DeliveryWorker::stop() {
  if (!thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] {
    stopping_ = true;
    wakeup_.cancel();
  });
  thread_.join();  // io_.run() returns once dispatch() and every delivery have ended
}

void DeliveryWorker::wake() {
  asio::post(io_, [this] { wakeup_.cancel(); });
}

asio::awaitable<void> DeliveryWorker::dispatch() {
  while (!stopping_) {
    const int free_slots = options_.max_in_flight - in_flight_;
    int claimed_count = 0;
    if (free_slots > 0) {
      std::vector<store::ClaimedDelivery> claimed;
      try {
        claimed = store_.claim_webhook_deliveries(owner_, clock_(), options_.lease_ms, free_slots);
      } catch (const std::exception& e) {
        spdlog::error("webhook outbox: cannot claim deliveries: {}", e.what());
      }
      claimed_count = static_cast<int>(claimed.size());
      for (auto& delivery : claimed) {
        ++in_flight_;
        asio::co_spawn(io_, deliver(std::move(delivery)), asio::detached);
      }
    }
    if (free_slots > 0 && claimed_count == free_slots) {
      continue;  // every slot filled: more may be due at once
    }
    // Until the poll interval passes, a delivery frees its slot, or wake()/stop().
    wakeup_.expires_after(std::chrono::milliseconds(options_.poll_ms));
    // The wait's error (cancelled by wake()/stop()) means the same as its expiry: look again.
    co_await wakeup_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // The deliveries in flight finish on their own (each bounded by timeout_ms); their
  // completions keep io_.run() going until the last one is recorded.
}

asio::awaitable<void> DeliveryWorker::deliver(store::ClaimedDelivery delivery) {
  store::WebhookAttempt attempt;
  attempt.attempted_at = clock_();
  const auto started = std::chrono::steady_clock::now();
  const auto url = parse_webhook_url(delivery.url);
  std::shared_ptr<const auth::ResolvedIntegration> integration;
  try {
    integration = directory_.find_by_api_key(delivery.api_key);
  } catch (const std::exception& e) {
    attempt.error = std::string("integration lookup failed: ") + e.what();
  }
  if (!url.target) {
    attempt.error = "refused URL: " + url.error;
  } else if (attempt.error.empty() && (!integration || integration->secrets.empty())) {
    attempt.error = "the integration has no usable shared secret";
  } else if (attempt.error.empty()) {
    const std::vector<std::pair<std::string, std::string>> headers{
        {"X-AUTH-CLIENT", delivery.api_key},
        {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(integration->secrets.front(), delivery.body)}};
    const PostOutcome outcome =
        co_await post_json(tls_, *url.target, delivery.body, headers, std::chrono::milliseconds(options_.timeout_ms),
                           http::system_resolver());
    attempt.http_status = outcome.status;
    attempt.error = outcome.error;
  }
  attempt.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  record(delivery, attempt);
  --in_flight_;
  wakeup_.cancel();  // a slot is free
}

void DeliveryWorker::record(const store::ClaimedDelivery& delivery, const store::WebhookAttempt& attempt) {
  const auto kind = store::webhook_kind_name(delivery.kind);
  store::DeliveryState next_state = store::DeliveryState::kDelivered;
  store::TimeMs next_at = attempt.attempted_at;
  if (!is_success(attempt)) {
    const auto retry_at = next_attempt_at(options_, delivery.attempts, delivery.created_at, clock_());
    next_state = retry_at ? store::DeliveryState::kPending : store::DeliveryState::kFailed;
    next_at = retry_at.value_or(attempt.attempted_at);
  }
  bool recorded = false;
  try {
    // Blocking, on this worker's own thread (see the class comment).
    recorded = store_.record_webhook_attempt(delivery.id, owner_, attempt, next_state, next_at);
  } catch (const std::exception& e) {
    // The lease runs out and the delivery is tried again: at least once.
    spdlog::error("webhook {} ({}) for session {}: cannot record the attempt: {}", delivery.id, kind,
                  delivery.session_id, e.what());
    return;
  }
  if (!recorded) {
    spdlog::warn("webhook {} ({}) for session {}: lease lost before recording ({}); another worker owns it",
                 delivery.id, kind, delivery.session_id, outcome_text(attempt));
  } else if (next_state == store::DeliveryState::kDelivered) {
    spdlog::info("webhook {} ({}) for session {} delivered: {} after {} attempt(s)", delivery.id, kind,
                 delivery.session_id, outcome_text(attempt), delivery.attempts);
  } else if (next_state == store::DeliveryState::kPending) {
    spdlog::warn("webhook {} ({}) for session {} attempt {} failed: {}; next attempt in {} ms", delivery.id, kind,
                 delivery.session_id, delivery.attempts, outcome_text(attempt), next_at - attempt.attempted_at);
  } else {
    spdlog::error("webhook {} ({}) for session {} failed for good after {} attempt(s): {}", delivery.id, kind,
                  delivery.session_id, delivery.attempts, outcome_text(attempt));
  }
}

}  // namespace inereg::webhooks
