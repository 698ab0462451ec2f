#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/integration_directory.hpp"
#include "store/store.hpp"
#include "webhooks/delivery_options.hpp"

namespace inereg::webhooks {

// When to try a delivery queued at `created_at` again after its `attempts`-th failed
// attempt at `now`: first_retry_ms, doubling, capped at retry_interval_ms; nullopt
// (give up: the delivery becomes `failed`) once that would be past created_at +
// max_age_ms. Pure.
std::optional<store::TimeMs> next_attempt_at(const DeliveryOptions& options, int attempts, store::TimeMs created_at,
                                             store::TimeMs now);

// Delivers the webhook outbox. Claims due deliveries from the store under a lease (so
// several nodes share the outbox and a delivery whose node died is retried), POSTs
// each body with X-AUTH-CLIENT and X-HMAC-SIGNATURE (HMAC-SHA256 of the exact bytes
// with the integration's newest unrevoked secret), and records every attempt: 2xx
// delivers, anything else retries on the DeliveryOptions schedule. At least once: a
// node killed after the receiver answered but before recording delivers again.
// Runs on one thread of its own with up to max_in_flight deliveries interleaved on it;
// the store calls (one short transaction each) run inline on that thread, which
// serves no clients. Bodies are never logged. start() once, stop() once.
class DeliveryWorker {
 public:
  using Clock = std::function<store::TimeMs()>;
  DeliveryWorker(store::Store& store, auth::IntegrationDirectory& directory, DeliveryOptions options, Clock clock);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void start();
  // Stops claiming, lets the deliveries in flight finish (each bounded by timeout_ms),
  // then joins the thread.
  void stop();
  // Deliveries were queued: look now instead of at the next poll. Thread-safe.
  void wake();

 private:
  boost::asio::awaitable<void> dispatch();
  boost::asio::awaitable<void> deliver(store::ClaimedDelivery delivery);
  void record(const store::ClaimedDelivery& delivery, const store::WebhookAttempt& attempt);

  store::Store& store_;
  auth::IntegrationDirectory& directory_;
  const DeliveryOptions options_;
  const Clock clock_;
  const std::string owner_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::asio::steady_timer wakeup_;
  int in_flight_ = 0;      // on the worker thread only
  bool stopping_ = false;  // on the worker thread only
  std::thread thread_;
};

}  // namespace inereg::webhooks
