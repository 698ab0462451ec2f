#include <gtest/gtest.h>

#include <openssl/hmac.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "util/hex.hpp"

// Test vectors of veriff-api.md §2.4.
namespace inereg::auth {
namespace {

constexpr std::string_view kSecret = "abcdef12-abcd-abcd-abcd-abcdef012345";

constexpr std::string_view kM1 =
    R"({"verification":{"callback":"https://veriff.com","person":{"firstName":"John","lastName":"Smith"},)"
    R"("document":{"type":"PASSPORT","country":"EE"},"vendorData":"unique id of a user",)"
    R"("timestamp":"2016-05-19T08:30:25.597Z"}})";
constexpr std::string_view kM2 =
    R"({"verification":{"callback":"https://veriff.com","person":{"firstName":"John","lastName":"Smith"},)"
    R"("document":{"type":"PASSPORT","country":"EE"},"vendorData":"unique id of the end-user",)"
    R"("timestamp":"2016-05-19T08:30:25.597Z"}})";
constexpr std::string_view kM3 = "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7";
constexpr std::string_view kM4 = "12df6045-3846-3e45-946a-14fa6136d78b";
constexpr std::string_view kM5 =
    "{\"active\":false,\"documentState\":\"No se obtuvieron datos de la consulta con los par\xC3\xA1metros "
    "seleccionados\"}";
constexpr std::string_view kM6 = R"({"active":true,"documentState":"La credencial esta vigente"})";
// The same JSON as M5 with spaces and a literal six-character \u00e1 escape.
constexpr std::string_view kM8 =
    R"({"active": false, "documentState": "No se obtuvieron datos de la consulta con los par\u00e1metros seleccionados"})";

constexpr std::string_view kKeyA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kKeyB = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(HmacVectors, Vector1SessionCreateBody) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM1), "6af6d95822e19e9cc707aec55395d8d363ba2c7bc4625bc04ebeca0c7bf8cd67");
}

TEST(HmacVectors, Vector2EndUserVendorData) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM2), "0dcab73ddd20062616d104231c7439657546a5c24e4691977da93bb854c31e25");
}

TEST(HmacVectors, Vector3SessionId) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM3), "895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dd");
}

TEST(HmacVectors, Vector4SessionId) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM4), "72425a5b0d91e04c84c7f7fa50a62fb16a3d03a4b78149832737492a5171ab12");
}

TEST(HmacVectors, Vector5NotFoundBodyWithLiteralUtf8) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM5), "9b2648ea5bfaca9bddf9745202db207b02198ed06e6cfc02b290b570273a7475");
}

TEST(HmacVectors, Vector6ActiveBody) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM6), "a1c28e26697e9b7a4eda5bd6ae426e9426b7fd121bc1826a9e2a90a6fb90c7a0");
}

TEST(HmacVectors, Vector7LegacySha256OfMessageThenSecret) {
  EXPECT_EQ(legacy_sha256_hex(kM3, kSecret), "5c48a0469e930f6f44103945f9b3283c8254048c5267570905755e5b68f278ba");
}

TEST(HmacVectors, Vector8SameJsonDifferentBytesGivesDifferentSignature) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, kM8), "d957f4f195c15f273df35ffe340d9e322f01f997b85537919afb22dcde0c8e2b");
  EXPECT_NE(hmac_sha256_hex(kSecret, kM8), hmac_sha256_hex(kSecret, kM5));
}

TEST(HmacSha256, RawDigestIs32BytesOfTheHexForm) {
  const std::string raw = hmac_sha256(kSecret, kM3);
  ASSERT_EQ(raw.size(), 32U);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x89);
  EXPECT_EQ(static_cast<unsigned char>(raw[31]), 0xdd);
}

TEST(IsSha256Hex, AcceptsSixtyFourHexDigitsOfEitherCase) {
  EXPECT_TRUE(is_sha256_hex("895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dd"));
  EXPECT_TRUE(is_sha256_hex("895CB3FD31139D89AEB7B263682E15479AB57651E70591256AD2C14FDE4950DD"));
}

TEST(IsSha256Hex, RejectsWrongLengthAndNonHex) {
  EXPECT_FALSE(is_sha256_hex(""));
  EXPECT_FALSE(is_sha256_hex("895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950d"));
  EXPECT_FALSE(is_sha256_hex("895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dd0"));
  EXPECT_FALSE(is_sha256_hex("895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dg"));
  EXPECT_FALSE(is_sha256_hex("895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950d "));
}

TEST(SignatureMatches, DecodesEitherCaseAndRefusesAnyOtherInput) {
  const HmacKey::Digest expected = HmacKey(kSecret).sign(kM3);
  const std::string hex = hmac_sha256_hex(kSecret, kM3);
  EXPECT_TRUE(signature_matches(hex, expected));
  EXPECT_TRUE(signature_matches("895CB3FD31139D89AEB7B263682E15479AB57651E70591256AD2C14FDE4950DD", expected));
  EXPECT_FALSE(signature_matches(hex.substr(0, 63), expected));
  EXPECT_FALSE(signature_matches(hex.substr(0, 62), expected));
  EXPECT_FALSE(signature_matches(hex + "00", expected));
  EXPECT_FALSE(signature_matches("", expected));
  EXPECT_FALSE(signature_matches(hex.substr(0, 63) + "g", expected));
  for (std::size_t i = 0; i < hex.size(); ++i) {
    std::string changed = hex;
    changed[i] = changed[i] == '0' ? '1' : '0';
    EXPECT_FALSE(signature_matches(changed, expected)) << i;
  }
}

TEST(DigestMatches, OnlyTheSameBytesOfTheSameLength) {
  const HmacKey::Digest expected = HmacKey(kSecret).sign(kM3);
  const std::string raw = hmac_sha256(kSecret, kM3);
  EXPECT_TRUE(digest_matches(raw, expected));
  EXPECT_FALSE(digest_matches(raw.substr(0, 31), expected));
  EXPECT_FALSE(digest_matches(raw + '\0', expected));
  EXPECT_FALSE(digest_matches("", expected));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string changed = raw;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_FALSE(digest_matches(changed, expected)) << i;
  }
}

// The legacy scheme's digest is what its hex says, and what a legacy signature is checked
// against.
TEST(LegacySha256, IsTheDigestItsHexEncodes) {
  const HmacKey::Digest digest = legacy_sha256(kM3, kSecret);
  EXPECT_EQ(util::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())),
            "5c48a0469e930f6f44103945f9b3283c8254048c5267570905755e5b68f278ba");
  EXPECT_TRUE(signature_matches(legacy_sha256_hex(kM3, kSecret), digest));
  EXPECT_FALSE(signature_matches(hmac_sha256_hex(kSecret, kM3), digest));
}

TEST(SecretBox, SealThenOpenRoundTrips) {
  const auto box = SecretBox::from_hex(kKeyA);
  ASSERT_TRUE(box);
  const std::string sealed = box->seal(kSecret);
  EXPECT_EQ(sealed.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(sealed.size(), 2 * (12 + kSecret.size() + 16));
  EXPECT_EQ(box->open(sealed), std::string(kSecret));
}

TEST(SecretBox, SealingTwiceUsesFreshNonces) {
  const auto box = SecretBox::from_hex(kKeyA);
  ASSERT_TRUE(box);
  EXPECT_NE(box->seal(kSecret), box->seal(kSecret));
}

// Random bytes are drawn from a per-thread buffer (auth/secret_box.cpp): a forked child
// must not hand out the bytes its parent's thread has buffered next.
TEST(RandomBytes, AForkedChildDrawsOtherBytesThanItsParent) {
  (void)random_uuid_v4();  // fills this thread's buffer before the fork
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string drawn = random_uuid_v4();
    const auto written = ::write(pipe_ends[1], drawn.data(), drawn.size());
    ::_exit(written == static_cast<ssize_t>(drawn.size()) ? 0 : 1);
  }
  ::close(pipe_ends[1]);
  const std::string parent_drew = random_uuid_v4();
  std::string child_drew(36, '\0');
  ASSERT_EQ(::read(pipe_ends[0], child_drew.data(), child_drew.size()), 36);
  ::close(pipe_ends[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(child_drew, parent_drew);
}

TEST(RandomBytes, ThreadsNeverDrawTheSameIds) {
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;  // several refills of each thread's 4 KiB buffer
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < kEach; ++i) {
        drawn[t].push_back(random_uuid_v4());
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::set<std::string> distinct;
  for (const auto& ids : drawn) {
    distinct.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(distinct.size(), std::size_t{kThreads * kEach});
}

TEST(SecretBox, OpenWithAnotherKeyFails) {
  const auto a = SecretBox::from_hex(kKeyA);
  const auto b = SecretBox::from_hex(kKeyB);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->open(a->seal(kSecret)), std::nullopt);
}

// Each thread keeps a few contexts with their keys set (auth/secret_box.cpp): with more
// keys in turn than it keeps, interleaved seals and opens, failed opens between them, and
// associated data, every value opens under its own key only, and what a context did
// before never leaks into the next value.
TEST(SecretBox, KeptContextsNeverMixKeysOrValues) {
  std::vector<SecretBox> boxes;
  for (int i = 0; i < 6; ++i) {
    boxes.push_back(*SecretBox::from_hex(random_master_key_hex()));
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> sealed;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      sealed.push_back(boxes[i].seal("value " + std::to_string(i), "row " + std::to_string(i)));
    }
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      const std::size_t other = (i + 1) % boxes.size();
      EXPECT_EQ(boxes[other].open(sealed[i], "row " + std::to_string(i)), std::nullopt);
      EXPECT_EQ(boxes[i].open(sealed[i], "row " + std::to_string(other)), std::nullopt);
      EXPECT_EQ(boxes[i].open(sealed[i], "row " + std::to_string(i)), "value " + std::to_string(i));
      EXPECT_EQ(boxes[i].open(sealed[other], "row " + std::to_string(other)), std::nullopt);
    }
  }
  // And on another thread, whose contexts start empty.
  std::thread([&] {
    const std::string sealed = boxes[0].seal("elsewhere");
    EXPECT_EQ(boxes[0].open(sealed), "elsewhere");
    EXPECT_EQ(boxes[1].open(sealed), std::nullopt);
  }).join();
}

TEST(SecretBox, TamperedSealedTextFails) {
  const auto box = SecretBox::from_hex(kKeyA);
  ASSERT_TRUE(box);
  const std::string sealed = box->seal(kSecret);
  for (const std::size_t position : {std::size_t{0}, sealed.size() / 2, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[position] = tampered[position] == 'a' ? 'b' : 'a';
    EXPECT_EQ(box->open(tampered), std::nullopt) << "position " << position;
  }
  EXPECT_EQ(box->open(sealed.substr(0, sealed.size() - 2)), std::nullopt);
  EXPECT_EQ(box->open("not hex"), std::nullopt);
  EXPECT_EQ(box->open(""), std::nullopt);
}

TEST(SecretBox, FromHexAcceptsOnlySixtyFourHexCharacters) {
  EXPECT_TRUE(SecretBox::from_hex(kKeyA));
  EXPECT_TRUE(SecretBox::from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"));
  EXPECT_FALSE(SecretBox::from_hex(kKeyA.substr(0, 63)));
  EXPECT_FALSE(SecretBox::from_hex(std::string(kKeyA) + "0"));
  EXPECT_FALSE(SecretBox::from_hex("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  EXPECT_FALSE(SecretBox::from_hex(""));
}

TEST(SecretBox, RandomMasterKeyIsUsable) {
  const std::string key = random_master_key_hex();
  EXPECT_EQ(key.size(), 64U);
  EXPECT_TRUE(SecretBox::from_hex(key));
  EXPECT_NE(key, random_master_key_hex());
}

TEST(RandomUuidV4, HasVersion4AndRfc4122Variant) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = random_uuid_v4();
    ASSERT_EQ(id.size(), 36U);
    EXPECT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;
    EXPECT_EQ(id.find_first_of("ABCDEF"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100U);
}

TEST(TimeOrderedUuidV4, IsAVersion4UuidStartingWithItsMillisecond) {
  constexpr std::int64_t kMs = 0x0194'2f3c'5d6e;  // Dec 2024
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = time_ordered_uuid_v4(kMs);
    EXPECT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id.substr(0, 13), "01942f3c-5d6e") << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100U);  // the 74 bits after the time are random
}

TEST(TimeOrderedUuidV4, SortsByTimeAsText) {
  const std::vector<std::int64_t> times = {0, 255, 256, 1'733'500'000'000, 1'733'500'000'001, 1'733'500'001'000};
  std::vector<std::string> ids;
  for (const std::int64_t ms : times) {
    ids.push_back(time_ordered_uuid_v4(ms));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  for (std::size_t i = 1; i < ids.size(); ++i) {
    EXPECT_LT(ids[i - 1], ids[i]) << times[i];
  }
}

TEST(TimeOrderedUuidV4, ClampsTimesOutsideFortyEightBits) {
  EXPECT_EQ(time_ordered_uuid_v4(-5).substr(0, 13), "00000000-0000");
  EXPECT_EQ(time_ordered_uuid_v4(std::int64_t{1} << 50).substr(0, 13), "ffffffff-ffff");
}

TEST(IsUuid, AcceptsCanonicalTextOfAnyVersionAndCase) {
  EXPECT_TRUE(is_uuid(kM3));
  EXPECT_TRUE(is_uuid(kM4));  // version 3
  EXPECT_TRUE(is_uuid("AEA9BA6D-1B47-47FC-A4FC-F72B6D3584A7"));
}

TEST(IsUuid, RejectsOtherShapes) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("aea9ba6d1b4747fca4fcf72b6d3584a7"));
  EXPECT_FALSE(is_uuid("aea9ba6d-1b47-47fc-a4fc-f72b6d3584a"));
  EXPECT_FALSE(is_uuid("aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7a"));
  EXPECT_FALSE(is_uuid("aea9ba6d-1b47-47fc-a4fc_f72b6d3584a7"));
  EXPECT_FALSE(is_uuid("gea9ba6d-1b47-47fc-a4fc-f72b6d3584a7"));
  EXPECT_FALSE(is_uuid("{ea9ba6d-1b47-47fc-a4fc-f72b6d3584a}"));
}

}  // namespace
}  // namespace inereg::auth

namespace inereg::auth {
namespace {

// Feeds `message` in pieces of `piece` bytes.
void feed(StreamingSignature& signature, std::string_view message, std::size_t piece) {
  for (std::size_t at = 0; at < message.size(); at += piece) {
    signature.update(message.substr(at, piece));
  }
}

TEST(StreamingSignature, EqualsTheOneShotSignatureHoweverTheBodyIsCut) {
  std::string body;
  for (int i = 0; i < 5'000; ++i) {
    body += static_cast<char>('A' + (i * 7) % 26);
  }
  const std::vector<std::string> secrets = {"newest-secret", "older-secret"};
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{4096}, body.size()}) {
    for (std::size_t which = 0; which < secrets.size(); ++which) {
      StreamingSignature hmac(StreamingSignature::Scheme::kHmac, secrets);
      feed(hmac, body, piece);
      EXPECT_EQ(hmac.bytes(), body.size());
      EXPECT_EQ(hmac.match(hmac_sha256_hex(secrets[which], body)), which) << "piece " << piece;

      StreamingSignature legacy(StreamingSignature::Scheme::kLegacy, secrets);
      feed(legacy, body, piece);
      EXPECT_EQ(legacy.match(legacy_sha256_hex(body, secrets[which])), which) << "piece " << piece;
    }
  }
}

TEST(StreamingSignature, AcceptsUppercaseHexAndAnEmptyBody) {
  StreamingSignature empty(StreamingSignature::Scheme::kHmac, {"s"});
  std::string expected = hmac_sha256_hex("s", "");
  for (auto& c : expected) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(empty.match(expected), 0U);
}

TEST(StreamingSignature, RefusesAWrongSignatureOrAnyChangedByte) {
  const std::string body = R"({"verification":{"status":"submitted"}})";
  StreamingSignature wrong(StreamingSignature::Scheme::kHmac, {"s1", "s2"});
  feed(wrong, body, 5);
  EXPECT_FALSE(wrong.match(std::string(64, '0')));

  std::string changed = body;
  changed[10] = 'X';
  StreamingSignature other(StreamingSignature::Scheme::kHmac, {"s1"});
  feed(other, changed, 3);
  EXPECT_FALSE(other.match(hmac_sha256_hex("s1", body)));

  StreamingSignature legacy(StreamingSignature::Scheme::kLegacy, {"s1"});
  feed(legacy, changed, 3);
  EXPECT_FALSE(legacy.match(legacy_sha256_hex(body, "s1")));
}

// RFC 4231: a short key, and keys longer than SHA-256's block (hashed first).
TEST(HmacKey, Rfc4231Vectors) {
  EXPECT_EQ(HmacKey("Jefe").sign_hex("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(HmacKey(long_key).sign_hex("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacKey(long_key).sign_hex("This is a test using a larger than block-size key and a larger than block-size "
                                       "data. The key needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// Against OpenSSL's own one-shot HMAC, around the block size, and signed again with the
// same key (the states are continued in copies, never consumed).
TEST(HmacKey, MatchesOpenSslForEveryKeyLengthAndStaysReusable) {
  for (std::size_t length = 0; length <= 130; ++length) {
    std::string key(length, '\0');
    for (std::size_t i = 0; i < length; ++i) {
      key[i] = static_cast<char>(i * 7 + length);
    }
    const HmacKey hmac_key(key);
    for (const std::string_view message : {kM3, kM6, std::string_view(), kM1}) {
      std::array<unsigned char, 32> expected{};
      unsigned int expected_length = 0;
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), expected.data(), &expected_length);
      ASSERT_EQ(expected_length, 32U);
      EXPECT_EQ(hmac_key.sign(message), expected) << "key length " << length;
    }
  }
}

TEST(HmacKey, OneKeySignsFromSeveralThreadsAtOnce) {
  const HmacKey key(kSecret);
  const std::string expected = hmac_sha256_hex(kSecret, kM3);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2'000; ++i) {
        mismatches[t] += key.sign_hex(kM3) == expected ? 0 : 1;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
  EXPECT_EQ(expected, "895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dd");
}

TEST(HmacKey, ACopySignsAsTheOriginalWithStatesOfItsOwn) {
  auto original = std::make_unique<HmacKey>(kSecret);
  const HmacKey copy(*original);
  original.reset();                          // the copy must not use the original's states (ASan would see it)
  const std::string long_message(500, 'm');  // past the memo: computed from the states
  EXPECT_EQ(copy.sign_hex(long_message), hmac_sha256_hex(kSecret, long_message));
  EXPECT_EQ(copy.sign(kM3), HmacKey(kSecret).sign(kM3));
}

TEST(HmacKey, TheMemoOfShortMessagesNeverAnswersForAnotherKeyOrMessage) {
  // Bodies as a cached GET signs them, again and again, under keys made and destroyed in
  // turn (a thread's copies of an integration are): each answer must be the uncached one.
  const std::string active = R"({"active":true,"documentState":"La credencial esta vigente"})";
  const std::string changed_last = active.substr(0, active.size() - 1) + "]";  // same length
  const std::string longest(HmacKey::kMemoizedBytes, 'x');
  const std::string too_long(HmacKey::kMemoizedBytes + 1, 'x');
  const std::vector<std::string> secrets = {std::string(kSecret), "another-secret", std::string(kSecret) + "2"};
  for (int round = 0; round < 3; ++round) {
    for (const auto& secret : secrets) {
      const HmacKey key(secret);  // a new key each time, perhaps where the last one was
      for (int again = 0; again < 2; ++again) {
        for (const std::string& message : {active, changed_last, longest, too_long, std::string()}) {
          EXPECT_EQ(key.sign_hex(message), hmac_sha256_hex(secret, message))
              << "secret " << secret << ", message of " << message.size() << " bytes";
        }
      }
    }
  }
}

}  // namespace
}  // namespace inereg::auth
