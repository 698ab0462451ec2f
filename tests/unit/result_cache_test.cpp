#include "api/result_cache.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace inereg::api {
namespace {

constexpr std::int64_t kTtl = 5'000;
constexpr std::int64_t kStart = 1'000'000;
constexpr std::string_view kSession = "0b3c8f4e-8d2a-4f7e-9a61-3c5d2e1f0a9b";
constexpr std::string_view kIntegration = "integration-1";
constexpr std::string_view kOtherSession = "0b3c8f4e-8d2a-4f7e-9a61-3c5d2e1f0a9c";

// A stand-in for Store::sessions_deleted_since: the journal's rows, and the `since` of
// each read.
struct Journal {
  struct Row {
    std::string session_id;
    std::int64_t deleted_at;
  };
  std::vector<Row> rows;
  std::vector<std::int64_t> reads;
  ResultCache::DeletedSince reader() {
    return [this](std::int64_t since) {
      reads.push_back(since);
      std::vector<std::string> ids;
      for (const auto& row : rows) {
        if (row.deleted_at >= since) {
          ids.push_back(row.session_id);
        }
      }
      return ids;
    };
  }
};

ResultCache::Entry entry(std::string body = R"({"active":true})") {
  return ResultCache::Entry{std::string(kIntegration), std::move(body)};
}

void fill(ResultCache& cache, std::string_view session_id, std::int64_t now) {
  cache.put(session_id, entry(), now, cache.reading(session_id));
}

TEST(ResultCache, ServesNothingBeforeItsFirstSync) {
  ResultCache cache(kTtl, kStart);
  fill(cache, kSession, kStart);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + 1));
  Journal journal;
  cache.sync(journal.reader(), kStart + 2);
  const auto found = cache.find(kSession, kIntegration, kStart + 3);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, R"({"active":true})");
  // The first read of the journal starts the overlap before the cache was made: a
  // deletion stamped just before it (by a node whose clock is behind) is not missed.
  ASSERT_EQ(journal.reads.size(), 1U);
  EXPECT_EQ(journal.reads[0], kStart - ResultCache::kJournalOverlapMs);
}

TEST(ResultCache, EntriesOutliveTheTtlWhileSyncsSucceed) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  fill(cache, kSession, kStart);
  for (std::int64_t now = kStart; now <= kStart + 10 * kTtl; now += 1'000) {
    cache.sync(journal.reader(), now);
    EXPECT_TRUE(cache.find(kSession, kIntegration, now + 500)) << now - kStart;
  }
}

TEST(ResultCache, ASessionTheJournalListsIsErasedAtTheNextSync) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  fill(cache, kSession, kStart);
  fill(cache, kOtherSession, kStart);
  // Deleted on another node, stamped by a clock 20 s behind this one's.
  journal.rows.push_back({std::string(kSession), kStart + 1'000 - 20'000});
  EXPECT_TRUE(cache.find(kSession, kIntegration, kStart + 1'500));  // not synced yet
  cache.sync(journal.reader(), kStart + 2'000);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + 2'001));
  EXPECT_TRUE(cache.find(kOtherSession, kIntegration, kStart + 2'001));
  // Each read starts the overlap before the previous read began.
  EXPECT_EQ(journal.reads.back(), kStart - ResultCache::kJournalOverlapMs);
  cache.sync(journal.reader(), kStart + 3'000);
  EXPECT_EQ(journal.reads.back(), kStart + 2'000 - ResultCache::kJournalOverlapMs);
}

TEST(ResultCache, StopsServingATtlAfterTheLastSuccessfulSync) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  fill(cache, kSession, kStart);
  const ResultCache::DeletedSince unreadable = [](std::int64_t) -> std::vector<std::string> {
    throw std::runtime_error("database unreachable");
  };
  EXPECT_THROW(cache.sync(unreadable, kStart + 1'000), std::runtime_error);
  EXPECT_TRUE(cache.find(kSession, kIntegration, kStart + kTtl - 1));
  // A deletion this node cannot learn of may have happened: the cache no longer answers.
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + kTtl));
  // Once the journal reads again, from where the last successful read left off.
  cache.sync(journal.reader(), kStart + kTtl + 100);
  EXPECT_EQ(journal.reads.back(), kStart - ResultCache::kJournalOverlapMs);
  fill(cache, kSession, kStart + kTtl + 200);
  EXPECT_TRUE(cache.find(kSession, kIntegration, kStart + kTtl + 300));
}

TEST(ResultCache, APutAfterAnEraseOfItsSessionIsDropped) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  // A GET takes its ticket and reads the store; a DELETE erases the session before the
  // GET puts what it read.
  const auto ticket = cache.reading(kSession);
  cache.erase(kSession);
  cache.put(kSession, entry(), kStart, ticket);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + 1));
  // The same race with the deletion learned from the journal.
  const auto second = cache.reading(kSession);
  journal.rows.push_back({std::string(kSession), kStart + 10});
  cache.sync(journal.reader(), kStart + 20);
  cache.put(kSession, entry(), kStart + 30, second);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + 40));
}

TEST(ResultCache, EntriesAreReadAgainAfterTheBackstopAge) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  fill(cache, kSession, kStart);
  cache.sync(journal.reader(), kStart + ResultCache::kMaxAgeMs);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + ResultCache::kMaxAgeMs + 1));
  // Never before three quarters of it.
  fill(cache, kSession, kStart + ResultCache::kMaxAgeMs + 2);
  cache.sync(journal.reader(), kStart + ResultCache::kMaxAgeMs * 7 / 4);
  EXPECT_TRUE(cache.find(kSession, kIntegration, kStart + ResultCache::kMaxAgeMs * 7 / 4));
}

TEST(ResultCache, SyncsFourTimesATtlAndAtLeastOnceASecond) {
  EXPECT_EQ(ResultCache(5'000, 0).sync_interval_ms(), 1'000);
  EXPECT_EQ(ResultCache(2'000, 0).sync_interval_ms(), 500);
  EXPECT_EQ(ResultCache(3'600'000, 0).sync_interval_ms(), 1'000);
}

TEST(ResultCache, ATtlOfZeroCachesNothingAndReadsNoJournal) {
  ResultCache cache(0, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  fill(cache, kSession, kStart);
  EXPECT_FALSE(cache.find(kSession, kIntegration, kStart + 1));
  EXPECT_TRUE(journal.reads.empty());
}

TEST(ResultCache, KeepsEachOfManySessionsApartAndErasesOnlyTheOneNamed) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  // Ids that differ in one character each, in every position's last hex digit: the
  // table's hash and its key comparison must tell every one of them apart.
  std::vector<std::string> ids;
  for (int i = 0; i < 20'000; ++i) {
    ids.push_back(fmt::format("01938a7c-{:04x}-7000-8000-{:012x}", i % 0x10000, i));
    cache.put(ids.back(), entry(std::to_string(i)), kStart, cache.reading(ids.back()));
  }
  for (int i = 0; i < 20'000; i += 2) {
    cache.erase(ids[static_cast<std::size_t>(i)]);
  }
  for (int i = 0; i < 20'000; ++i) {
    const auto found = cache.find(ids[static_cast<std::size_t>(i)], kIntegration, kStart + 1);
    if (i % 2 == 0) {
      EXPECT_FALSE(found) << ids[static_cast<std::size_t>(i)];
    } else {
      ASSERT_TRUE(found) << ids[static_cast<std::size_t>(i)];
      EXPECT_EQ(*found, std::to_string(i));
    }
  }
}

TEST(ResultCache, AnotherIntegrationsLookupMissesAndLeavesTheEntry) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  fill(cache, kSession, kStart);
  EXPECT_FALSE(cache.find(kSession, "integration-2", kStart + 1));
  EXPECT_FALSE(cache.find(kSession, "integration-", kStart + 1));  // a prefix of the owner's id
  EXPECT_FALSE(cache.find(kSession, "", kStart + 1));
  EXPECT_EQ(cache.find(kSession, kIntegration, kStart + 1), R"({"active":true})");
}

TEST(ResultCache, AnIdThatIsNotAUuidIsNeverCached) {
  ResultCache cache(kTtl, kStart);
  Journal journal;
  cache.sync(journal.reader(), kStart);
  const std::string longer = std::string(kSession) + "0";
  const std::string_view shorter = kSession.substr(0, kSession.size() - 1);
  for (const std::string_view id : {std::string_view(longer), shorter, std::string_view()}) {
    fill(cache, id, kStart);
    EXPECT_FALSE(cache.find(id, kIntegration, kStart + 1)) << id;
    cache.erase(id);
  }
  // Neither the longer nor the shorter id reached the session whose id they extend.
  fill(cache, kSession, kStart);
  cache.erase(shorter);
  EXPECT_TRUE(cache.find(kSession, kIntegration, kStart + 1));
}

}  // namespace
}  // namespace inereg::api
