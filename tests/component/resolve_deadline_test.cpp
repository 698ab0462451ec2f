// Name resolution under the attempt's deadline (http/resolver.hpp), for both outbound
// clients: the registry's HTTP transport and webhook delivery. The resolver is the
// injected one that never answers, a name server gone silent: tests may not point the
// system resolver (/etc/resolv.conf) at a fake server. Each attempt must end with a
// timeout at its deadline, and the lookup's late answer must change nothing.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "http/resolver.hpp"
#include "registry/upstream_transport.hpp"
#include "webhooks/http_post.hpp"

namespace inereg {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kDeadline{300};
// Generous: the point is that the attempt ends near its deadline, not after the
// system resolver's own timeouts (5 s per try) or never.
constexpr milliseconds kSlack{1'500};

// A resolver that answers (host not found) only when the test releases it.
struct SilentNameServer {
  int asked = 0;
  asio::steady_timer* pending = nullptr;  // the unanswered lookup's wait, while there is one

  http::Resolver resolver() {
    return [this](std::string, std::string) { return unanswered(this); };
  }
  void release() {
    if (pending != nullptr) {
      pending->cancel();
    }
  }

 private:
  static asio::awaitable<http::Resolution> unanswered(SilentNameServer* server) {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer never(executor, asio::steady_timer::time_point::max());
    server->pending = &never;
    ++server->asked;
    co_await never.async_wait(asio::as_tuple(asio::use_awaitable));
    server->pending = nullptr;
    co_return http::Resolution{asio::error::host_not_found, {}};
  }
};

// Runs `attempt` on a fresh single-threaded io_context; once it has ended, releases the
// silent lookup so that run() can return. Returns the attempt's result and how long it took.
template <typename Result, typename Attempt>
std::pair<Result, milliseconds> run_attempt(SilentNameServer& server, asio::io_context& io, Attempt attempt) {
  std::optional<Result> result;
  const auto started = Clock::now();
  Clock::time_point ended;
  asio::co_spawn(io, attempt(), [&](const std::exception_ptr& error, Result value) {
    ended = Clock::now();
    if (error) {
      std::rethrow_exception(error);
    }
    result = std::move(value);
    server.release();
  });
  io.run_for(kDeadline + kSlack + milliseconds(2'000));
  if (!result) {
    ADD_FAILURE() << "the attempt did not end";
    return {Result{}, milliseconds::max()};
  }
  return {std::move(*result), std::chrono::duration_cast<milliseconds>(ended - started)};
}

TEST(ResolveDeadline, TheRegistryTransportCutsAnUnansweredLookupAtTheExchangeDeadline) {
  SilentNameServer server;
  asio::io_context io;
  const auto endpoint = registry::UpstreamEndpoint::parse("http://registry.example.test/v1/lookup");
  registry::UpstreamTransport transport(io, endpoint, nullptr, 64 * 1024, 4, server.resolver());
  registry::UpstreamRequest request{boost::beast::http::verb::post, endpoint.target, 11};
  const auto [result, took] = run_attempt<registry::ExchangeResult>(
      server, io, [&] { return transport.exchange(request, Clock::now() + kDeadline); });
  EXPECT_EQ(result.error, boost::beast::error::timeout) << result.error.message();
  EXPECT_GE(took, kDeadline);
  EXPECT_LT(took, kDeadline + kSlack);
  EXPECT_EQ(server.asked, 1);
  EXPECT_EQ(server.pending, nullptr);  // released, answered late, and dropped
}

TEST(ResolveDeadline, AWebhookPostCutsAnUnansweredLookupAtItsTimeout) {
  SilentNameServer server;
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  const auto target = webhooks::parse_webhook_url("https://hooks.example.test/veriff");
  ASSERT_TRUE(target.target) << target.error;
  const auto resolver = server.resolver();
  const auto [outcome, took] = run_attempt<webhooks::PostOutcome>(server, io, [&] {
    return webhooks::post_json(tls, *target.target, R"({"status":"success"})", {}, kDeadline, resolver);
  });
  EXPECT_FALSE(outcome.status);
  EXPECT_EQ(outcome.error, "resolve: timeout");
  EXPECT_GE(took, kDeadline);
  EXPECT_LT(took, kDeadline + kSlack);
  EXPECT_EQ(server.asked, 1);
}

TEST(ResolveDeadline, AnAnswerBeforeTheDeadlineIsUsed) {
  asio::io_context io;
  std::optional<http::Resolution> resolution;
  asio::co_spawn(io, http::resolve_by(http::system_resolver(), "127.0.0.1", "80", Clock::now() + milliseconds(10'000)),
                 [&](const std::exception_ptr&, http::Resolution value) { resolution = std::move(value); });
  io.run_for(milliseconds(10'000));
  ASSERT_TRUE(resolution);
  EXPECT_FALSE(resolution->error) << resolution->error.message();
  ASSERT_FALSE(resolution->endpoints.empty());
  EXPECT_EQ(resolution->endpoints.begin()->endpoint().address().to_string(), "127.0.0.1");
}

}  // namespace
}  // namespace inereg
