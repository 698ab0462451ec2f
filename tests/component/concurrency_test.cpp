// Many clients at once: every session is checked exactly once, with its own verdict.
#include "service_fixture.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace inereg::component {
namespace {

using ConcurrencyTest = ComponentTest;

constexpr int kThreads = 8;
constexpr int kSessionsPerThread = 25;

struct Submitted {
  std::string id;
  std::string expected_body;
};

TEST_F(ConcurrencyTest, ConcurrentCreateAndSubmitGivesEverySessionItsAnswer) {
  const std::string vigente_body = R"({"active":true,"documentState":"La credencial esta vigente"})";
  const std::string deceased_body =
      "{\"active\":false,\"documentState\":\"El registro fue dado de baja del Padr\xc3\xb3"
      "n Electoral por defunci\xc3\xb3n.\"}";
  // Three credentials in rotation, so a verdict crossed between sessions would show.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {ine_body(vigente_.credential), vigente_body},
      {ine_body(deceased_.credential), deceased_body},
      {ine_body(vigente_.credential, "again"), vigente_body},
  };

  std::mutex mutex;
  std::vector<Submitted> submitted;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSessionsPerThread; ++i) {
        const auto& [body, expected] = cases[static_cast<std::size_t>(t + i) % cases.size()];
        try {
          std::string id = client_->create_and_submit(body);
          std::lock_guard lock(mutex);
          submitted.push_back({std::move(id), expected});
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(submitted.size(), static_cast<std::size_t>(kThreads * kSessionsPerThread));

  std::set<std::string> ids;
  for (const auto& session : submitted) {
    ids.insert(session.id);
    const auto reply = client_->wait_ine_registry(session.id);
    EXPECT_EQ(reply.status, 200) << session.id;
    EXPECT_EQ(reply.body, session.expected_body) << session.id;
  }
  EXPECT_EQ(ids.size(), submitted.size()) << "session ids must be unique";
  EXPECT_EQ(service().store().pending_check_count(), 0);
}

}  // namespace
}  // namespace inereg::component
