#pragma once

#include <string>

#include "store/records.hpp"

namespace inereg::webhooks {

// Settings of the webhook delivery worker (`webhooks.*` in the config). The default
// schedule retries after 1, 2, 4, … minutes, then hourly, for up to 7 days (Veriff's
// policy, veriff-api.md §5.3, with quicker first retries).
struct DeliveryOptions {
  int max_in_flight = 8;                            // deliveries in flight at once, per node
  store::TimeMs timeout_ms = 10'000;                // one attempt, connect to response
  store::TimeMs lease_ms = 60'000;                  // > timeout_ms: a dead node's deliveries are retried after this
  store::TimeMs poll_ms = 500;                      // how often the outbox is looked at for due deliveries
  store::TimeMs first_retry_ms = 60'000;            // the first retry; each next one waits twice as long…
  store::TimeMs retry_interval_ms = 3'600'000;      // …up to this (Veriff retries about hourly)…
  store::TimeMs max_age_ms = 7LL * 24 * 3'600'000;  // …for up to this long after queueing, then gives up
  std::string ca_file;                              // PEM trust anchors besides the system's ("" = system only)
};

}  // namespace inereg::webhooks
