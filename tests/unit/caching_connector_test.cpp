#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "auth/signing.hpp"
#include "registry/registry_file.hpp"
#include "registry/resilience/caching_connector.hpp"
#include "support/held_connector.hpp"

// The result cache: verdicts only, TTL, keyed hashes, single-flight.
namespace inereg::registry {
namespace {

using testing::HeldConnector;

const LookupOutcome kVigente = LookupOutcome::verdict(1);
const LookupOutcome kOutage = LookupOutcome::unavailable(LookupOutcome::Cause::kNone, "synthetic outage", 500);

struct Fixture {
  explicit Fixture(CacheOptions options = {}) {
    auto held = std::make_unique<HeldConnector>();
    inner = held.get();
    cache = std::make_unique<CachingConnector>(
        std::move(held), options,
        [this](std::string_view inputs) {
          // The connector hashes on the calling thread: lookups from several threads
          // call this concurrently.
          std::lock_guard lock(hashed_mutex);
          hashed_inputs.emplace_back(inputs);
          return auth::hmac_sha256_hex("test cache key", inputs);
        },
        [this] { return now_ms; });
  }
  // Starts a lookup; the outcome lands in the returned slot.
  std::shared_ptr<std::optional<LookupOutcome>> start(const ine::Credential& credential) {
    auto slot = std::make_shared<std::optional<LookupOutcome>>();
    cache->lookup(credential, [slot](LookupOutcome outcome) {
      ASSERT_FALSE(slot->has_value()) << "done called twice";
      *slot = std::move(outcome);
    });
    return slot;
  }
  HeldConnector* inner = nullptr;
  std::unique_ptr<CachingConnector> cache;
  std::mutex hashed_mutex;
  std::vector<std::string> hashed_inputs;
  std::int64_t now_ms = 1'000;
};

ine::Credential credential(std::uint64_t seed) {
  return SyntheticRegistry(seed).make("G", 1).credential;
}

TEST(CachingConnector, AVerdictIsReusedWithinItsTtlThenAskedAgain) {
  Fixture f({.ttl_ms = 100});
  const auto first = f.start(credential(1));
  ASSERT_EQ(f.inner->answer(kVigente), 1);
  ASSERT_TRUE(first->has_value());

  f.now_ms += 99;
  const auto hit = f.start(credential(1));
  ASSERT_TRUE(hit->has_value()) << "a hit answers inline";
  EXPECT_EQ((*hit)->kind, LookupOutcome::Kind::kVerdict);
  EXPECT_EQ((*hit)->situation, 1);
  EXPECT_EQ(f.inner->calls(), 1);

  f.now_ms += 1;
  const auto expired = f.start(credential(1));
  EXPECT_FALSE(expired->has_value());
  EXPECT_EQ(f.inner->calls(), 2);
  EXPECT_EQ(f.cache->cache_stats().hits, 1);
}

TEST(CachingConnector, UnavailableAnswersAreNeverCached) {
  Fixture f;
  const auto first = f.start(credential(2));
  f.inner->answer(kOutage);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->kind, LookupOutcome::Kind::kUnavailable);
  EXPECT_EQ((*first)->retry_after_ms, 500);
  const auto second = f.start(credential(2));
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(f.inner->calls(), 2);
  EXPECT_EQ(f.cache->cache_stats().entries, 0u);
}

TEST(CachingConnector, ConcurrentLookupsOfOneCredentialShareOneUpstreamCall) {
  Fixture f;
  const auto a = f.start(credential(3));
  const auto b = f.start(credential(3));
  const auto c = f.start(credential(3));
  const auto other = f.start(credential(4));
  EXPECT_EQ(f.inner->calls(), 2);
  EXPECT_EQ(f.cache->cache_stats().joined, 2);
  EXPECT_EQ(f.inner->answer(kVigente), 2);
  for (const auto& slot : {a, b, c, other}) {
    ASSERT_TRUE(slot->has_value());
    EXPECT_EQ((*slot)->situation, 1);
  }
}

TEST(CachingConnector, WaitersOfAFailedCallAllGetTheFailureAndTheNextLookupAsksAgain) {
  Fixture f;
  const auto a = f.start(credential(5));
  const auto b = f.start(credential(5));
  f.inner->answer(kOutage);
  EXPECT_EQ((*a)->kind, LookupOutcome::Kind::kUnavailable);
  EXPECT_EQ((*b)->kind, LookupOutcome::Kind::kUnavailable);
  f.start(credential(5));
  EXPECT_EQ(f.inner->calls(), 2);
}

TEST(CachingConnector, KeysAreKeyedHashesOfTheLookupInputs) {
  Fixture f;
  const auto c = credential(6);
  f.start(c);
  ASSERT_EQ(f.hashed_inputs.size(), 1u);
  // What is hashed are the lookup inputs; what is kept is only the HMAC of them.
  EXPECT_NE(f.hashed_inputs[0].find(c.cic), std::string::npos);
  // Same inputs, same key: the cache shares the entry.
  f.inner->answer(kVigente);
  EXPECT_TRUE(f.start(c)->has_value());
  EXPECT_EQ(f.hashed_inputs.size(), 2u);
  EXPECT_EQ(f.hashed_inputs[0], f.hashed_inputs[1]);
}

TEST(CachingConnector, ManyThreadsGetExactlyOneAnswerEach) {
  Fixture f;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        f.cache->lookup(credential(100 + (i % 5)), [&](LookupOutcome) { ++answered; });
        if (i % 10 == 9) {
          f.inner->answer(kVigente);
        }
      }
      (void)t;
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  f.inner->answer(kVigente);
  EXPECT_EQ(answered.load(), 200);
}

}  // namespace
}  // namespace inereg::registry
