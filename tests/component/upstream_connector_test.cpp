// The HTTP upstream stack (registry/stack_builder.hpp: HttpSource in inereg's protocol
// under every resilience layer) against a fake upstream over loopback: every
// misbehaviour ends in kUnavailable (never a verdict), and a real answer is a verdict.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <thread>

#include "ine/situation.hpp"
#include "registry/configured_mapping.hpp"
#include "registry/registry_file.hpp"
#include "registry/stack_builder.hpp"
#include "registry/upstream_protocol.hpp"
#include "support/connector_lookup.hpp"
#include "support/fake_upstream.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_until.hpp"

namespace inereg::registry {
namespace {

using testing::body_of;
using testing::credential_of;
using testing::FakeReply;
using testing::FakeUpstream;
using namespace std::chrono_literals;
using testing::kAnswerGuard;
using testing::lookup;
using Kind = LookupOutcome::Kind;

// Options with short deadlines and backoff so the tests do not wait long.
UpstreamOptions fast_options(const FakeUpstream& fake) {
  UpstreamOptions options;
  options.url = fake.url();
  options.auth_header = "Authorization";
  options.auth_value = "Bearer test-token";
  options.attempt_timeout_ms = 2'000;
  options.lookup_timeout_ms = 10'000;
  options.max_attempts = 3;
  options.backoff_base_ms = 5;
  options.backoff_max_ms = 20;
  options.breaker.consecutive_failures = 0;  // off unless a test is about it
  return options;
}

std::unique_ptr<RegistryConnector> upstream(const UpstreamOptions& options) {
  return make_upstream_connector(options, std::make_unique<ConfiguredMapping>(*preset_mapping("inereg")));
}

TEST(UpstreamConnector, ARegistryAnswerIsAVerdictAndTheRequestFollowsTheMapping) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::situation(19));
  const auto connector = upstream(fast_options(fake));
  const auto credential = credential_of("G");
  const auto outcome = lookup(*connector, credential);
  EXPECT_EQ(outcome.kind, Kind::kVerdict) << outcome.reason;
  EXPECT_EQ(outcome.situation, 19);

  const auto received = fake.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].target, "/v1/lookup");
  EXPECT_EQ(received[0].headers.at("authorization"), "Bearer test-token");
  EXPECT_EQ(received[0].headers.at("content-type"), "application/json");
  const auto body = body_of(received[0]);
  EXPECT_EQ(body.at("form").as_string(), "EH");
  EXPECT_EQ(body.at("cic").as_string(), credential.cic);
  EXPECT_EQ(body.at("idCiudadano").as_string(), credential.citizen_id);
}

TEST(UpstreamConnector, EachModelIsAskedWithItsOwnForm) {
  FakeUpstream fake;
  const auto connector = upstream(fast_options(fake));
  const std::vector<std::pair<std::string, std::string>> models = {{"C", "C"}, {"D", "D"}, {"E", "EH"}, {"H", "EH"}};
  for (const auto& [model, form] : models) {
    const auto credential = credential_of(model, 11);
    // Model D's CIC + OCR also makes an E–H key (identificador = last 9 OCR digits):
    // the fake says "not found" to that one so the D form is asked next.
    const bool model_d = model == "D";
    fake.set_handler([model_d](const testing::FakeRequest& request) {
      return model_d && body_of(request).at("form").as_string() == "EH" ? FakeReply::situation(21)
                                                                        : FakeReply::situation(1);
    });
    const int before = fake.requests();
    const auto outcome = lookup(*connector, credential);
    EXPECT_EQ(outcome.kind, Kind::kVerdict) << model << ": " << outcome.reason;
    EXPECT_EQ(outcome.situation, 1) << model;
    const auto received = fake.received();
    const auto& last = received.back();
    EXPECT_EQ(body_of(last).at("form").as_string(), form) << model;
    EXPECT_EQ(fake.requests() - before, model == "D" ? 2 : 1) << model;
  }
}

TEST(UpstreamConnector, NotFoundOnEveryFormIsTheRegistrysNotFoundVerdict) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::message_code("0"));
  const auto connector = upstream(fast_options(fake));
  const auto outcome = lookup(*connector, credential_of("D"));
  EXPECT_EQ(outcome.kind, Kind::kVerdict) << outcome.reason;
  EXPECT_EQ(outcome.situation, ine::kSituationNotFound);
  EXPECT_EQ(fake.requests(), 2);  // E–H form, then D form
}

TEST(UpstreamConnector, AnUpstreamThatNeverAnswersIsUnavailableAfterItsAttempts) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::hang());
  auto options = fast_options(fake);
  options.attempt_timeout_ms = 150;
  options.max_attempts = 2;
  const auto connector = upstream(options);
  const auto outcome = lookup(*connector, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_NE(outcome.reason.find("deadline"), std::string::npos) << outcome.reason;
  EXPECT_EQ(fake.requests(), 2);
  const auto stats = connector->stats();
  EXPECT_EQ(stats.requests, 2);
  EXPECT_EQ(stats.failures, 2);
  EXPECT_EQ(stats.in_flight, 0);
}

TEST(UpstreamConnector, TheLookupDeadlineBoundsEveryAttempt) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::hang());
  auto options = fast_options(fake);
  options.attempt_timeout_ms = 60'000;  // longer than the whole lookup may take
  options.lookup_timeout_ms = 200;
  options.max_attempts = 5;
  const auto connector = upstream(options);
  const auto outcome = lookup(*connector, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_EQ(fake.requests(), 1);  // the one attempt used the whole lookup deadline
}

TEST(UpstreamConnector, ServerErrorsAreRetriedAndARecoveredAnswerIsAVerdict) {
  FakeUpstream fake;
  fake.queue({FakeReply::server_error(503), FakeReply::server_error(500)});
  fake.set_reply(FakeReply::situation(1));
  const auto connector = upstream(fast_options(fake));
  const auto outcome = lookup(*connector, credential_of("F"));
  EXPECT_EQ(outcome.kind, Kind::kVerdict) << outcome.reason;
  EXPECT_EQ(outcome.situation, 1);
  EXPECT_EQ(fake.requests(), 3);
  const auto stats = connector->stats();
  EXPECT_EQ(stats.requests, 3);
  EXPECT_EQ(stats.failures, 2);
  EXPECT_EQ(stats.latency_count, 3);
}

TEST(UpstreamConnector, RetriesStopAtMaxAttempts) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::server_error(502));
  auto options = fast_options(fake);
  options.max_attempts = 4;
  const auto connector = upstream(options);
  const auto outcome = lookup(*connector, credential_of("F"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_NE(outcome.reason.find("502"), std::string::npos) << outcome.reason;
  EXPECT_EQ(fake.requests(), 4);
}

TEST(UpstreamConnector, AResetConnectionIsRetriedOnANewOne) {
  FakeUpstream fake;
  fake.queue({FakeReply::reset()});
  fake.set_reply(FakeReply::situation(3));
  const auto connector = upstream(fast_options(fake));
  const auto outcome = lookup(*connector, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kVerdict) << outcome.reason;
  EXPECT_EQ(outcome.situation, 3);

  fake.set_reply(FakeReply::reset());
  const auto failed = lookup(*connector, credential_of("E"));
  EXPECT_EQ(failed.kind, Kind::kUnavailable);
  EXPECT_NE(failed.reason.find("connection"), std::string::npos) << failed.reason;
}

TEST(UpstreamConnector, KeepAliveConnectionsAreReused) {
  FakeUpstream fake;
  const auto connector = upstream(fast_options(fake));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lookup(*connector, credential_of("E", 20 + i)).kind, Kind::kVerdict);
  }
  EXPECT_EQ(fake.requests(), 3);
  EXPECT_EQ(fake.connections(), 1);
}

// `wave` lookups at once, each answered after a pause (so none frees its connection for
// another), waited for together.
void lookup_wave(RegistryConnector& connector, int wave, std::uint64_t first_seed) {
  std::vector<std::future<LookupOutcome>> answers;
  for (int i = 0; i < wave; ++i) {
    auto answered = std::make_shared<std::promise<LookupOutcome>>();
    answers.push_back(answered->get_future());
    connector.lookup(credential_of("E", first_seed + static_cast<std::uint64_t>(i)),
                     [answered](LookupOutcome outcome) { answered->set_value(std::move(outcome)); });
  }
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(kAnswerGuard), std::future_status::ready);
    EXPECT_EQ(answer.get().kind, Kind::kVerdict);
  }
}

// At a real registry's latency thousands of lookups are in flight at once: by default the
// pool keeps as many connections as can be in use, so the next wave opens none. (The
// size rule itself: LoadConfig.RegistryKeepsAConnectionPerLookupInFlightUnlessToldFewer.)
TEST(UpstreamConnector, ByDefaultEveryConnectionTheInFlightCapAllowsIsKeptAlive) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::slow(100ms, ine::kSituationVigente));
  auto options = fast_options(fake);
  options.max_in_flight = 6;
  const auto connector = upstream(options);
  lookup_wave(*connector, 6, 50);
  lookup_wave(*connector, 6, 60);
  EXPECT_EQ(fake.requests(), 12);
  EXPECT_EQ(fake.connections(), 6);
}

TEST(UpstreamConnector, AConfiguredPoolKeepsOnlyThatManyConnections) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::slow(100ms, ine::kSituationVigente));
  auto options = fast_options(fake);
  options.max_in_flight = 6;
  options.max_idle_connections = 2;
  const auto connector = upstream(options);
  lookup_wave(*connector, 6, 50);
  lookup_wave(*connector, 6, 60);
  EXPECT_EQ(fake.requests(), 12);
  EXPECT_EQ(fake.connections(), 6 + 4);  // the second wave found 2 kept, opened 4
}

TEST(UpstreamConnector, AnswersThatAreNotVerdictsAreUnavailableAndNotRetried) {
  const std::vector<std::pair<std::string, FakeReply>> cases = {
      {"malformed JSON", FakeReply::malformed()},
      {"oversized body", FakeReply::oversized(200'000)},
      {"wrong content type", FakeReply::wrong_content_type()},
      {"unknown situation", FakeReply::situation(99)},
      {"INE service error code", FakeReply::message_code("4")},
      {"unknown code", FakeReply::message_code("42")},
      {"HTTP 404", FakeReply::server_error(404)},
      {"HTTP 401", FakeReply::server_error(401)},
  };
  for (const auto& [label, reply] : cases) {
    FakeUpstream fake;
    fake.set_reply(reply);
    const auto connector = upstream(fast_options(fake));
    const auto outcome = lookup(*connector, credential_of("E"));
    EXPECT_EQ(outcome.kind, Kind::kUnavailable) << label;
    EXPECT_FALSE(outcome.reason.empty()) << label;
    EXPECT_EQ(fake.requests(), 1) << label;
    EXPECT_EQ(connector->stats().failures, 1) << label;
  }
}

TEST(UpstreamConnector, ResponseBodyLimitIsConfigurable) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::oversized(2'000));
  auto options = fast_options(fake);
  options.max_response_bytes = 4'096;
  const auto generous = upstream(options);
  EXPECT_EQ(lookup(*generous, credential_of("E")).kind, Kind::kVerdict);
  options.max_response_bytes = 1'024;
  const auto strict = upstream(options);
  const auto outcome = lookup(*strict, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_NE(outcome.reason.find("max_response_bytes"), std::string::npos) << outcome.reason;
}

TEST(UpstreamConnector, BreakerOpensAfterConsecutiveFailuresThenHalfOpensAndCloses) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::server_error(503));
  auto options = fast_options(fake);
  options.max_attempts = 1;
  options.breaker.consecutive_failures = 3;
  options.breaker.open_ms = 300;
  options.breaker.half_open_probes = 1;
  const auto connector = upstream(options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lookup(*connector, credential_of("E")).kind, Kind::kUnavailable);
  }
  EXPECT_EQ(connector->stats().breaker_state, 2);

  fake.set_reply(FakeReply::situation(1));
  const auto refused = lookup(*connector, credential_of("E"));
  EXPECT_EQ(refused.kind, Kind::kUnavailable);
  EXPECT_NE(refused.reason.find("breaker"), std::string::npos) << refused.reason;
  ASSERT_TRUE(refused.retry_after_ms);
  EXPECT_GT(*refused.retry_after_ms, 0);
  EXPECT_LE(*refused.retry_after_ms, 300);
  EXPECT_EQ(fake.requests(), 3) << "no call while the breaker is open";

  // After open_ms the next lookup is the probe; its success closes the breaker.
  ASSERT_TRUE(testing::wait_until([&] { return connector->stats().breaker_state == 1; },
                                  std::chrono::milliseconds(*refused.retry_after_ms + 20), "the breaker half-open"));
  const auto probe = lookup(*connector, credential_of("E"));
  EXPECT_EQ(probe.kind, Kind::kVerdict) << probe.reason;
  EXPECT_EQ(fake.requests(), 4);
  EXPECT_EQ(connector->stats().breaker_state, 0);
}

TEST(UpstreamConnector, AFailedProbeReopensTheBreaker) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::server_error(500));
  auto options = fast_options(fake);
  options.max_attempts = 1;
  options.breaker.consecutive_failures = 1;
  options.breaker.open_ms = 100;
  const auto connector = upstream(options);
  EXPECT_EQ(lookup(*connector, credential_of("E")).kind, Kind::kUnavailable);
  EXPECT_EQ(connector->stats().breaker_state, 2);
  ASSERT_TRUE(
      testing::wait_until([&] { return connector->stats().breaker_state == 1; }, 150ms, "the breaker half-open"));
  EXPECT_EQ(lookup(*connector, credential_of("E")).kind, Kind::kUnavailable);  // the probe fails
  EXPECT_EQ(fake.requests(), 2);
  EXPECT_EQ(connector->stats().breaker_state, 2);
}

TEST(UpstreamConnector, LookupsBeyondTheInFlightCapAreRefusedAtOnce) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::hang());
  auto options = fast_options(fake);
  options.max_in_flight = 2;
  options.cap_retry_after_ms = 123;
  options.attempt_timeout_ms = 60'000;
  options.lookup_timeout_ms = 60'000;
  std::atomic<int> stopped_answers{0};
  {
    const auto connector = upstream(options);
    for (int i = 0; i < 2; ++i) {
      connector->lookup(credential_of("E", 30 + i), [&](LookupOutcome outcome) {
        EXPECT_EQ(outcome.kind, Kind::kUnavailable);
        ++stopped_answers;
      });
    }
    ASSERT_TRUE(testing::wait_until([&] { return fake.requests() >= 2; }, kAnswerGuard, "2 upstream requests"));
    std::optional<LookupOutcome> refused;
    connector->lookup(credential_of("E", 40), [&](LookupOutcome outcome) { refused = std::move(outcome); });
    ASSERT_TRUE(refused.has_value()) << "a refusal is answered before lookup() returns";
    EXPECT_EQ(refused->kind, Kind::kUnavailable);
    EXPECT_EQ(refused->retry_after_ms, 123);
    const auto stats = connector->stats();
    EXPECT_EQ(stats.rejected_by_cap, 1);
    EXPECT_EQ(stats.in_flight, 2);
    EXPECT_EQ(fake.requests(), 2);
    EXPECT_EQ(stopped_answers.load(), 0);
  }
  // Destroying the connector answers the hung lookups, each exactly once.
  EXPECT_EQ(stopped_answers.load(), 2);
}

TEST(UpstreamConnector, A429RetryAfterHoldsEveryCallUntilItPasses) {
  FakeUpstream fake;
  fake.queue({FakeReply::rate_limited("1")});
  fake.set_reply(FakeReply::situation(1));
  const auto connector = upstream(fast_options(fake));
  const auto limited = lookup(*connector, credential_of("E"));
  EXPECT_EQ(limited.kind, Kind::kUnavailable);
  EXPECT_EQ(limited.retry_after_ms, 1'000);
  EXPECT_EQ(connector->stats().rate_limited, 1);

  // Until the Retry-After passes no lookup reaches the upstream.
  const auto held = lookup(*connector, credential_of("E", 50));
  EXPECT_EQ(held.kind, Kind::kUnavailable);
  ASSERT_TRUE(held.retry_after_ms);
  EXPECT_GT(*held.retry_after_ms, 0);
  EXPECT_LE(*held.retry_after_ms, 1'000);
  EXPECT_EQ(fake.requests(), 1);

  // Held lookups are refused at once without a call: the first after the Retry-After
  // reaches the upstream and is a verdict.
  LookupOutcome after;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        after = lookup(*connector, credential_of("E", 50));
        return after.kind == Kind::kVerdict;
      },
      std::chrono::milliseconds(*held.retry_after_ms + 20), "a verdict after the Retry-After"))
      << after.reason;
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_GE(received[1].received_at - received[0].received_at, 1'000ms);
}

TEST(UpstreamConnector, A429HttpDateAndAMissingRetryAfterBothHoldCalls) {
  FakeUpstream fake;
  auto options = fast_options(fake);
  options.rate_limit_default_ms = 700;
  const auto connector = upstream(options);
  fake.set_reply(FakeReply::rate_limited(""));
  const auto defaulted = lookup(*connector, credential_of("E"));
  EXPECT_EQ(defaulted.kind, Kind::kUnavailable);
  EXPECT_EQ(defaulted.retry_after_ms, 700);

  FakeUpstream dated_fake;
  const std::time_t in_a_minute = std::time(nullptr) + 60;
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&in_a_minute));
  dated_fake.set_reply(FakeReply::rate_limited(date));
  const auto dated = upstream(fast_options(dated_fake));
  const auto outcome = lookup(*dated, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  ASSERT_TRUE(outcome.retry_after_ms);
  EXPECT_GT(*outcome.retry_after_ms, 50'000);
  EXPECT_LE(*outcome.retry_after_ms, 60'000);
}

TEST(UpstreamConnector, ManyConcurrentLookupsFromSeveralThreadsAreEachAnsweredOnce) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::slow(10ms, 1));
  auto options = fast_options(fake);
  options.io_threads = 2;
  const auto connector = upstream(options);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::atomic<int> verdicts{0};
  std::atomic<int> answers{0};
  std::promise<void> all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        connector->lookup(credential_of("E", 1'000 + t * kPerThread + i), [&](LookupOutcome outcome) {
          if (outcome.kind == Kind::kVerdict) {
            ++verdicts;
          }
          if (++answers == kThreads * kPerThread) {
            all_done.set_value();
          }
        });
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(all_done.get_future().wait_for(kAnswerGuard), std::future_status::ready);
  EXPECT_EQ(verdicts.load(), kThreads * kPerThread);
  EXPECT_EQ(fake.requests(), kThreads * kPerThread);
  EXPECT_EQ(connector->stats().in_flight, 0);
}

TEST(UpstreamConnector, TlsWithTheRightCaSucceedsAndWithoutItFailsVerification) {
  testing::TempDir dir;
  const auto certificates = testing::make_test_certificates(dir.path().string(), "IP:127.0.0.1");
  FakeUpstream fake(FakeUpstream::Tls{certificates.cert_file, certificates.key_file});
  fake.set_reply(FakeReply::situation(1));
  auto options = fast_options(fake);
  options.max_attempts = 1;

  options.ca_file = certificates.ca_file;
  const auto trusting = upstream(options);
  const auto verified = lookup(*trusting, credential_of("E"));
  EXPECT_EQ(verified.kind, Kind::kVerdict) << verified.reason;
  EXPECT_EQ(fake.requests(), 1);

  options.ca_file.clear();  // the system trust store does not know the test CA
  const auto untrusting = upstream(options);
  const auto refused = lookup(*untrusting, credential_of("E"));
  EXPECT_EQ(refused.kind, Kind::kUnavailable);
  EXPECT_NE(refused.reason.find("certificate"), std::string::npos) << refused.reason;
  EXPECT_EQ(fake.requests(), 1) << "no request over an unverified connection";
}

TEST(UpstreamConnector, TlsRefusesACertificateForAnotherHost) {
  testing::TempDir dir;
  const auto certificates = testing::make_test_certificates(dir.path().string(), "DNS:registry.example");
  FakeUpstream fake(FakeUpstream::Tls{certificates.cert_file, certificates.key_file});
  auto options = fast_options(fake);
  options.max_attempts = 1;
  options.ca_file = certificates.ca_file;
  const auto connector = upstream(options);
  const auto outcome = lookup(*connector, credential_of("E"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_EQ(fake.requests(), 0);
}

TEST(UpstreamConnector, BadUrlsAreRejectedAtConstruction) {
  for (const char* url : {"", "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x", "not a url"}) {
    UpstreamOptions options;
    options.url = url;
    EXPECT_THROW(upstream(options), std::invalid_argument) << url;
  }
}

}  // namespace
}  // namespace inereg::registry
