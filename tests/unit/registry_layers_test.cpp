#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <future>
#include <stdexcept>
#include <vector>

#include "ine/situation.hpp"
#include "registry/forms_in_turn.hpp"
#include "registry/resilience/attempt_meter.hpp"
#include "registry/resilience/breaker_guard.hpp"
#include "registry/resilience/in_flight_cap.hpp"
#include "registry/resilience/rate_limit_gate.hpp"
#include "registry/resilience/retry.hpp"
#include "registry/resilience/time_budget.hpp"
#include "registry/resilience/timers.hpp"
#include "support/held_connector.hpp"
#include "support/sanitizers.hpp"

// Each layer of a registry connector stack on its own, over a held inner connector that
// the test answers (no sockets), with time driven by the test.
namespace inereg::registry {
namespace {

using testing::HeldConnector;
using Cause = LookupOutcome::Cause;
using Kind = LookupOutcome::Kind;
using std::chrono::milliseconds;

const ine::LookupKey kFormEh{ine::LookupForm::kCicCitizenId, "EH|100000001|100000002"};
const ine::LookupKey kFormD{ine::LookupForm::kCicOcr, "D|100000001|1234567890123"};

Lookup one_form(Deadline deadline = Deadline::max()) {
  return Lookup{{kFormEh}, deadline};
}

const LookupOutcome kVigente = LookupOutcome::verdict(ine::kSituationVigente);
const LookupOutcome kNotFound = LookupOutcome::verdict(ine::kSituationNotFound);
const LookupOutcome kTimeout = LookupOutcome::unavailable(Cause::kTransient, "synthetic timeout");
const LookupOutcome kNoVerdict = LookupOutcome::unavailable(Cause::kNoVerdict, "synthetic malformed answer");

// A test clock: steady time points the test moves by hand.
struct TestClock {
  Deadline now = Deadline{} + std::chrono::hours(1);
  SteadyNow source() {
    return [this] { return now; };
  }
};

// A layer under test over a held inner connector, with the answers it gave.
template <typename Layer>
struct Stacked {
  template <typename... Args>
  explicit Stacked(Args&&... args) {
    auto held = std::make_unique<HeldConnector>();
    inner = held.get();
    layer = std::make_unique<Layer>(std::move(held), std::forward<Args>(args)...);
  }
  // Starts a lookup; the outcome lands in the returned slot.
  std::shared_ptr<std::optional<LookupOutcome>> ask(const Lookup& lookup = one_form()) {
    auto slot = std::make_shared<std::optional<LookupOutcome>>();
    layer->ask(lookup, [slot](LookupOutcome outcome) {
      ASSERT_FALSE(slot->has_value()) << "done called twice";
      *slot = std::move(outcome);
    });
    return slot;
  }
  HeldConnector* inner = nullptr;
  std::unique_ptr<Layer> layer;
};

// --- FormsInTurn ---------------------------------------------------------------------

TEST(FormsInTurn, NotFoundOnOneFormAsksTheNextAndItsAnswerEndsTheLookup) {
  Stacked<FormsInTurn> s;
  const Deadline deadline = Deadline{} + std::chrono::hours(2);
  const auto outcome = s.ask(Lookup{{kFormEh, kFormD}, deadline});
  ASSERT_EQ(s.inner->calls(), 1) << "one form at a time";
  ASSERT_TRUE(s.inner->answer_next(kNotFound));
  EXPECT_FALSE(outcome->has_value());
  ASSERT_TRUE(s.inner->answer_next(kVigente));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->situation, ine::kSituationVigente);

  const auto asked = s.inner->asked();
  ASSERT_EQ(asked.size(), 2u);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    ASSERT_EQ(asked[i].forms.size(), 1u);
    EXPECT_EQ(asked[i].deadline, deadline);
  }
  EXPECT_EQ(asked[0].forms[0].canonical, kFormEh.canonical);
  EXPECT_EQ(asked[1].forms[0].canonical, kFormD.canonical);
}

TEST(FormsInTurn, AnyOtherAnswerOnTheFirstFormIsTheAnswer) {
  for (const auto& first : {kVigente, kTimeout, kNoVerdict}) {
    Stacked<FormsInTurn> s;
    const auto outcome = s.ask(Lookup{{kFormEh, kFormD}});
    ASSERT_TRUE(s.inner->answer_next(first));
    ASSERT_TRUE(outcome->has_value());
    EXPECT_EQ((*outcome)->kind, first.kind);
    EXPECT_EQ((*outcome)->reason, first.reason);
    EXPECT_EQ(s.inner->calls(), 1) << "an unavailable form is not a reason to ask another";
  }
}

TEST(FormsInTurn, NotFoundOnEveryFormIsTheNotFoundVerdict) {
  Stacked<FormsInTurn> s;
  const auto outcome = s.ask(Lookup{{kFormEh, kFormD}});
  ASSERT_TRUE(s.inner->answer_next(kNotFound));
  ASSERT_TRUE(s.inner->answer_next(kNotFound));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->kind, Kind::kVerdict);
  EXPECT_EQ((*outcome)->situation, ine::kSituationNotFound);
}

TEST(FormsInTurn, ASourceRefusesALookupOfSeveralForms) {
  EXPECT_EQ(single_form(one_form()).canonical, kFormEh.canonical);
  EXPECT_THROW(single_form(Lookup{{kFormEh, kFormD}}), std::logic_error);
}

TEST(RegistryConnector, ACredentialWithoutALookupFormIsUnavailableWithoutAsking) {
  HeldConnector source;
  std::optional<LookupOutcome> outcome;
  source.lookup(ine::Credential{}, [&](LookupOutcome answered) { outcome = std::move(answered); });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->kind, Kind::kUnavailable);
  EXPECT_EQ(source.calls(), 0);
}

// --- TimeBudget ----------------------------------------------------------------------

TEST(TimeBudget, SetsTheDeadlineAndKeepsAnEarlierOne) {
  TestClock clock;
  Stacked<TimeBudget> s(milliseconds(500), clock.source());
  s.ask(one_form());
  s.ask(one_form(clock.now + milliseconds(100)));
  s.ask(one_form(clock.now + milliseconds(900)));
  const auto asked = s.inner->asked();
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(asked[0].deadline, clock.now + milliseconds(500));
  EXPECT_EQ(asked[1].deadline, clock.now + milliseconds(100));
  EXPECT_EQ(asked[2].deadline, clock.now + milliseconds(500));
  EXPECT_EQ(s.inner->answer(kVigente), 3);
}

// --- RetryWithBackoff ----------------------------------------------------------------

// Timers the test fires by hand; each wait moves the test clock by its delay.
class ManualTimers final : public Timers {
 public:
  explicit ManualTimers(TestClock& clock) : clock_(clock) {}
  void after(milliseconds delay, Fire fire) override {
    waits.push_back(delay);
    pending_.emplace_back(delay, std::move(fire));
  }
  void stop() override {
    ++stops;
    while (fire_next(true)) {
    }
  }
  // Lets the oldest wait pass (or cuts it short); false when none is pending.
  bool fire_next(bool stopped = false) {
    if (pending_.empty()) {
      return false;
    }
    auto [delay, fire] = std::move(pending_.front());
    pending_.erase(pending_.begin());
    if (!stopped) {
      clock_.now += delay;
    }
    fire(stopped);
    return true;
  }
  std::vector<milliseconds> waits;
  int stops = 0;

 private:
  TestClock& clock_;
  std::vector<std::pair<milliseconds, Fire>> pending_;
};

struct RetryFixture {
  explicit RetryFixture(RetryOptions options = {.max_attempts = 3, .backoff_base_ms = 100, .backoff_max_ms = 250}) {
    auto owned_timers = std::make_unique<ManualTimers>(clock);
    timers = owned_timers.get();
    // The jitter's highest draw, so the waits are the ceilings the backoff allows.
    auto jitter = [this](std::int64_t ceiling) {
      ceilings.push_back(ceiling);
      return ceiling;
    };
    s = std::make_unique<Stacked<RetryWithBackoff>>(options, std::move(owned_timers), clock.source(), jitter);
  }
  TestClock clock;
  ManualTimers* timers = nullptr;
  std::vector<std::int64_t> ceilings;
  std::unique_ptr<Stacked<RetryWithBackoff>> s;
};

TEST(RetryWithBackoff, ATransientFailureIsAskedAgainAfterAnExponentialFullJitterBackoff) {
  RetryFixture f;
  const auto outcome = f.s->ask();
  ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
  EXPECT_EQ(f.s->inner->held(), 0) << "nothing is asked before the backoff passes";
  ASSERT_TRUE(f.timers->fire_next());
  ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
  ASSERT_TRUE(f.timers->fire_next());
  ASSERT_TRUE(f.s->inner->answer_next(kVigente));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->kind, Kind::kVerdict);
  EXPECT_EQ(f.s->inner->calls(), 3);
  EXPECT_EQ(f.ceilings, (std::vector<std::int64_t>{100, 200})) << "base·2^n";
  EXPECT_EQ(f.timers->waits, (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));
}

TEST(RetryWithBackoff, TheBackoffCeilingIsCappedAndAttemptsStopAtMaxAttempts) {
  RetryFixture f({.max_attempts = 4, .backoff_base_ms = 100, .backoff_max_ms = 250});
  const auto outcome = f.s->ask();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
    ASSERT_TRUE(f.timers->fire_next());
  }
  ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->kind, Kind::kUnavailable);
  EXPECT_EQ((*outcome)->reason, "synthetic timeout");
  EXPECT_EQ(f.s->inner->calls(), 4);
  EXPECT_EQ(f.ceilings, (std::vector<std::int64_t>{100, 200, 250}));
  EXPECT_FALSE(f.timers->fire_next()) << "no wait after the last attempt";
}

TEST(RetryWithBackoff, AnswersThatAreNotTransientPassAtOnce) {
  const auto rate_limited = LookupOutcome::unavailable(Cause::kRateLimited, "429", 1'000);
  const auto refused = LookupOutcome::unavailable(Cause::kRefused, "breaker open", 300);
  for (const auto& answer : {kVigente, kNoVerdict, rate_limited, refused}) {
    RetryFixture f;
    const auto outcome = f.s->ask();
    ASSERT_TRUE(f.s->inner->answer_next(answer));
    ASSERT_TRUE(outcome->has_value()) << answer.reason;
    EXPECT_EQ((*outcome)->reason, answer.reason);
    EXPECT_EQ((*outcome)->retry_after_ms, answer.retry_after_ms);
    EXPECT_EQ(f.s->inner->calls(), 1) << answer.reason;
    EXPECT_TRUE(f.timers->waits.empty()) << answer.reason;
  }
}

TEST(RetryWithBackoff, NoAttemptAndNoBackoffPastTheDeadline) {
  RetryFixture f;
  const auto late = f.s->ask(one_form(f.clock.now));
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->kind, Kind::kUnavailable);
  EXPECT_NE((*late)->reason.find("deadline"), std::string::npos) << (*late)->reason;
  EXPECT_EQ(f.s->inner->calls(), 0);

  // 100 ms of backoff would end past a deadline 50 ms away: the failure is the answer.
  const auto outcome = f.s->ask(one_form(f.clock.now + milliseconds(50)));
  ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->reason, "synthetic timeout");
  EXPECT_TRUE(f.timers->waits.empty());
}

TEST(RetryWithBackoff, StopAnswersAWaitingRetryAndStopsTheInnerConnector) {
  RetryFixture f;
  const auto outcome = f.s->ask();
  ASSERT_TRUE(f.s->inner->answer_next(kTimeout));
  EXPECT_FALSE(outcome->has_value());
  f.s->layer->stop();
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->reason, "connector stopped");
  EXPECT_EQ(f.s->inner->stops(), 1);
  EXPECT_EQ(f.timers->stops, 1);
  EXPECT_EQ(f.s->inner->calls(), 1);
}

// --- RateLimitGate -------------------------------------------------------------------

TEST(RateLimitGate, A429ClosesTheGateForItsRetryAfter) {
  TestClock clock;
  Stacked<RateLimitGate> s(RateLimitOptions{.default_ms = 1'000, .max_ms = 60'000}, clock.source());
  const auto limited = s.ask();
  ASSERT_TRUE(s.inner->answer_next(LookupOutcome::unavailable(Cause::kRateLimited, "429", 5'000)));
  EXPECT_EQ((*limited)->retry_after_ms, 5'000);

  clock.now += milliseconds(2'000);
  const auto held = s.ask();
  ASSERT_TRUE(held->has_value()) << "refused at once";
  EXPECT_EQ((*held)->kind, Kind::kUnavailable);
  EXPECT_EQ((*held)->retry_after_ms, 3'000);
  EXPECT_EQ(s.inner->calls(), 1);

  clock.now += milliseconds(3'000);
  const auto after = s.ask();
  EXPECT_EQ(s.inner->calls(), 2);
  ASSERT_TRUE(s.inner->answer_next(kVigente));
  EXPECT_EQ((*after)->kind, Kind::kVerdict);
}

TEST(RateLimitGate, AMissingRetryAfterWaitsTheDefaultAndALongOneIsCapped) {
  TestClock clock;
  Stacked<RateLimitGate> s(RateLimitOptions{.default_ms = 700, .max_ms = 10'000}, clock.source());
  const auto defaulted = s.ask();
  ASSERT_TRUE(s.inner->answer_next(LookupOutcome::unavailable(Cause::kRateLimited, "429")));
  EXPECT_EQ((*defaulted)->retry_after_ms, 700);

  clock.now += milliseconds(700);
  const auto capped = s.ask();
  ASSERT_TRUE(s.inner->answer_next(LookupOutcome::unavailable(Cause::kRateLimited, "429", 86'400'000)));
  EXPECT_EQ((*capped)->retry_after_ms, 10'000);
}

TEST(RateLimitGate, OtherAnswersLeaveTheGateOpen) {
  TestClock clock;
  Stacked<RateLimitGate> s(RateLimitOptions{}, clock.source());
  for (const auto& answer : {kVigente, kTimeout, kNoVerdict}) {
    const auto outcome = s.ask();
    ASSERT_TRUE(s.inner->answer_next(answer));
    EXPECT_EQ((*outcome)->retry_after_ms, std::nullopt);
  }
  EXPECT_EQ(s.inner->calls(), 3);
}

// --- BreakerGuard --------------------------------------------------------------------

TEST(BreakerGuard, FailuresOpenItThenAProbeThatAnswersClosesIt) {
  TestClock clock;
  Stacked<BreakerGuard> s(CircuitBreakerOptions{.consecutive_failures = 2, .open_ms = 1'000}, clock.source());
  s.ask();
  ASSERT_TRUE(s.inner->answer_next(kTimeout));
  s.ask();
  ASSERT_TRUE(s.inner->answer_next(kNoVerdict));  // an answer that is no verdict counts as a failure
  EXPECT_EQ(s.layer->stats().breaker_state, 2);

  clock.now += milliseconds(400);
  const auto refused = s.ask();
  ASSERT_TRUE(refused->has_value()) << "refused at once";
  EXPECT_EQ((*refused)->kind, Kind::kUnavailable);
  EXPECT_EQ((*refused)->retry_after_ms, 600);
  EXPECT_EQ(s.inner->calls(), 2);

  clock.now += milliseconds(600);
  EXPECT_EQ(s.layer->stats().breaker_state, 1);
  const auto probe = s.ask();
  ASSERT_TRUE(s.inner->answer_next(kVigente));
  EXPECT_EQ((*probe)->kind, Kind::kVerdict);
  EXPECT_EQ(s.layer->stats().breaker_state, 0);
}

TEST(BreakerGuard, RateLimitsAndRefusalsBelowSayNothingOfHealth) {
  TestClock clock;
  Stacked<BreakerGuard> s(CircuitBreakerOptions{.consecutive_failures = 1}, clock.source());
  for (const auto& answer : {LookupOutcome::unavailable(Cause::kRateLimited, "429", 1'000),
                             LookupOutcome::unavailable(Cause::kRefused, "connector stopped")}) {
    s.ask();
    ASSERT_TRUE(s.inner->answer_next(answer));
  }
  EXPECT_EQ(s.layer->stats().breaker_state, 0);
  s.ask();
  ASSERT_TRUE(s.inner->answer_next(kTimeout));
  EXPECT_EQ(s.layer->stats().breaker_state, 2);
}

// --- InFlightCap ---------------------------------------------------------------------

TEST(InFlightCap, ALookupBeyondTheCapIsRefusedAtOnceAndASlotFreesOnAnswer) {
  Stacked<InFlightCap> s(2, 123);
  s.ask();
  s.ask();
  const auto refused = s.ask();
  ASSERT_TRUE(refused->has_value());
  EXPECT_EQ((*refused)->kind, Kind::kUnavailable);
  EXPECT_EQ((*refused)->retry_after_ms, 123);
  EXPECT_EQ(s.inner->calls(), 2);
  auto stats = s.layer->stats();
  EXPECT_EQ(stats.in_flight, 2);
  EXPECT_EQ(stats.rejected_by_cap, 1);

  ASSERT_TRUE(s.inner->answer_next(kVigente));
  EXPECT_EQ(s.layer->stats().in_flight, 1);
  s.ask();
  EXPECT_EQ(s.inner->calls(), 3);
  EXPECT_EQ(s.inner->answer(kVigente), 2);
  stats = s.layer->stats();
  EXPECT_EQ(stats.in_flight, 0);
  EXPECT_EQ(stats.rejected_by_cap, 1);
}

// --- AttemptMeter --------------------------------------------------------------------

TEST(AttemptMeter, CountsAttemptsFailuresRateLimitsAndTheirTime) {
  Stacked<AttemptMeter> s;
  for (const auto& answer :
       {kVigente, kNotFound, kTimeout, kNoVerdict, LookupOutcome::unavailable(Cause::kRateLimited, "429", 1'000)}) {
    s.ask();
    ASSERT_TRUE(s.inner->answer_next(answer));
  }
  s.ask();  // still running: started, not yet timed
  const auto stats = s.layer->stats();
  EXPECT_EQ(stats.requests, 6);
  EXPECT_EQ(stats.failures, 2);
  EXPECT_EQ(stats.rate_limited, 1);
  EXPECT_EQ(stats.latency_count, 5);
  ASSERT_EQ(stats.latency_bounds_s.size(), AttemptMeter::kLatencyBoundsS.size());
  EXPECT_EQ(stats.latency_buckets.back(), 5) << "answered inline: every attempt is in the smallest buckets";
}

TEST(ConnectorLayer, StatsComeFromTheLayerThatOwnsThem) {
  auto held = std::make_unique<HeldConnector>();
  auto* inner = held.get();
  auto meter = std::make_unique<AttemptMeter>(std::move(held));
  InFlightCap cap(std::move(meter), 5, 100);
  cap.ask(one_form(), [](LookupOutcome) {});
  const auto stats = cap.stats();
  EXPECT_EQ(stats.in_flight, 1);
  EXPECT_EQ(stats.requests, 1);
  inner->answer(kTimeout);
  EXPECT_EQ(cap.stats().failures, 1);
}

// --- ThreadTimers --------------------------------------------------------------------

TEST(ThreadTimers, AWaitFiresOnceAfterItsDelay) {
  ThreadTimers timers;
  std::promise<bool> fired;
  const auto started = std::chrono::steady_clock::now();
  timers.after(milliseconds(30), [&](bool stopped) { fired.set_value(stopped); });
  auto result = fired.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(result.get());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(30));
}

TEST(ThreadTimers, StopFiresPendingWaitsAsStoppedAndLaterOnesAtOnce) {
  ThreadTimers timers;
  std::atomic<int> stopped{0};
  for (int i = 0; i < 3; ++i) {
    timers.after(std::chrono::hours(1), [&](bool was_stopped) { stopped += was_stopped ? 1 : 0; });
  }
  timers.stop();
  EXPECT_EQ(stopped.load(), 3);
  bool late = false;
  timers.after(milliseconds(1), [&](bool was_stopped) { late = was_stopped; });
  EXPECT_TRUE(late);
}

// The first wait is armed when no descriptor is left (once: 30,000 lookups in flight
// against a 20,000-descriptor limit, when asio made the timers' reactor lazily and its
// constructor's exception ended the process). The reactor exists from the start: the
// wait fires.
TEST(ThreadTimers, AWaitArmedWithNoDescriptorLeftStillFires) {
#if defined(INEREG_UNDER_ADDRESS_SANITIZER)
  // The sanitizers' own checks need descriptors (UBSan's vptr check probes memory through
  // a pipe): with none left they report errors of their own. The normal build runs it.
  GTEST_SKIP() << "not meaningful under the sanitizers, which need descriptors themselves";
#endif
  ThreadTimers timers;
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  rlimit low = before;
  low.rlim_cur = 256;  // few to use up, whatever the machine's limit
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> held;
  for (int fd = ::open("/dev/null", O_RDONLY); fd >= 0; fd = ::open("/dev/null", O_RDONLY)) {
    held.push_back(fd);
  }
  std::promise<bool> fired;
  timers.after(milliseconds(1), [&](bool stopped) { fired.set_value(stopped); });
  auto result = fired.get_future();
  const auto status = result.wait_for(std::chrono::seconds(30));
  for (const int fd : held) {
    ::close(fd);
  }
  setrlimit(RLIMIT_NOFILE, &before);
  ASSERT_EQ(status, std::future_status::ready);
  EXPECT_FALSE(result.get());
}

}  // namespace
}  // namespace inereg::registry
