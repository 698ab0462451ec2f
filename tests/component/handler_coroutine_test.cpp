// http::HttpServer running handlers as coroutines (ThreadClass::kIoFiber) with a bare
// application over real loopback HTTP: a handler that waits through util::Suspension
// leaves its I/O thread serving others, and a stop waits until every suspended handler
// has been resumed. The same with the real API and a held SQLite writer: transport_test's
// QuickWritesWaitingForTheirCommitLeaveTheIoThreadServing.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/wait_until.hpp"
#include "util/suspension.hpp"

namespace inereg::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;
using testing::HttpReply;

// One I/O thread: GET /wait suspends its coroutine until the test resumes it; GET /now
// answers inline, saying whether it saw a suspension of its own.
class HandlerCoroutineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.pin_io_threads = false;
    options.drain_timeout = 100ms;
    Application application;
    application.route = [](std::string_view, std::string_view path) {
      Routing routing;
      routing.route = 0;
      routing.thread = path == "/wait" ? ThreadClass::kIoFiber : ThreadClass::kIoThread;
      return routing;
    };
    application.handle = [this](const Request& request, const Routing&) {
      if (request.path != "/wait") {
        return Response(200, util::current_suspension() == nullptr ? "inline" : "suspension while inline");
      }
      util::current_suspension()->await([this](const util::Suspension::Resume& resume) {
        std::lock_guard lock(mutex_);
        resume_ = resume;
      });
      return Response(200, util::current_suspension() != nullptr ? "resumed" : "resumed without its suspension");
    };
    application.refuse = [](Refusal) { return Response(400, "refused"); };
    server_ = std::make_unique<HttpServer>(options, std::move(application));
    server_->listen(false);
    port_ = server_->port();
    ran_ = std::async(std::launch::async, [this] { server_->run(); });
  }

  void TearDown() override {
    if (ran_.valid()) {
      server_->stop();
      ran_.wait();
    }
    server_.reset();
  }

  bool suspended() {
    std::lock_guard lock(mutex_);
    return static_cast<bool>(resume_);
  }
  void resume() {
    std::lock_guard lock(mutex_);
    resume_();  // from this thread: the server runs the rest on its I/O thread
    resume_ = nullptr;
  }

  std::mutex mutex_;
  util::Suspension::Resume resume_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::future<void> ran_;
};

TEST_F(HandlerCoroutineTest, AWaitingHandlerLeavesItsThreadServingAndFinishesWhenResumed) {
  auto waiting = std::async(std::launch::async, [this] {
    return testing::http_call(port_, HttpCall{"GET", "/wait", "", {}});
  });
  ASSERT_TRUE(testing::wait_until([this] { return suspended(); }, 10s, "the handler suspended"));
  EXPECT_EQ(server_->stats().handlers_suspended, 1);
  for (int i = 0; i < 10; ++i) {
    const HttpReply now = testing::http_call(port_, HttpCall{"GET", "/now", "", {}});
    EXPECT_EQ(now.status, 200);
    EXPECT_EQ(now.body, "inline");
  }
  EXPECT_EQ(waiting.wait_for(0s), std::future_status::timeout);
  resume();
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(waiting.get().body, "resumed");
  EXPECT_EQ(server_->stats().handlers_suspended, 0);
}

// Past the drain timeout the I/O threads stop with the handler still suspended; run()
// returns only once it has been resumed (its resume then reaches a context that still
// exists), and the unanswered connection closes with the server.
TEST_F(HandlerCoroutineTest, AStopWaitsUntilEverySuspendedHandlerIsResumed) {
  auto waiting = std::async(std::launch::async, [this] {
    return testing::http_call(port_, HttpCall{"GET", "/wait", "", {}});
  });
  ASSERT_TRUE(testing::wait_until([this] { return suspended(); }, 10s, "the handler suspended"));
  server_->stop();
  EXPECT_EQ(ran_.wait_for(500ms), std::future_status::timeout) << "run() returned with a handler still suspended";
  resume();
  EXPECT_EQ(ran_.wait_for(10s), std::future_status::ready);
  ran_.get();
  server_.reset();
  EXPECT_THROW(waiting.get(), std::exception);
}

}  // namespace
}  // namespace inereg::http
