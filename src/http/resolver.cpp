#include "http/resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>
#include <optional>
#include <utility>

namespace inereg::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<Resolution> system_resolve(std::string host, std::string port) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [error, endpoints] = co_await resolver.async_resolve(host, port, asio::as_tuple(asio::use_awaitable));
  co_return Resolution{error, std::move(endpoints)};
}

// What the waiting caller and the lookup share; the lookup may outlive the caller.
struct Race {
  explicit Race(const asio::any_io_executor& executor) : deadline(executor) {}
  asio::steady_timer deadline;
  std::optional<Resolution> answer;
  bool decided = false;  // the caller has its result: a later answer is dropped
};

// A named coroutine, not a capturing lambda: GCC 12 miscompiles those (STYLE.md).
asio::awaitable<void> look_up(std::shared_ptr<Race> race, Resolver resolver, std::string host, std::string port) {
  Resolution answer = co_await resolver(std::move(host), std::move(port));
  if (!race->decided) {
    race->answer = std::move(answer);
    race->deadline.cancel();
  }
}

}  // namespace

Resolver system_resolver() {
  return system_resolve;
}

asio::awaitable<Resolution> resolve_by(Resolver resolver, std::string host, std::string port,
                                       std::chrono::steady_clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  auto race = std::make_shared<Race>(executor);
  race->deadline.expires_at(deadline);
  asio::co_spawn(executor, look_up(race, std::move(resolver), std::move(host), std::move(port)), asio::detached);
  // Cancelled by the answer, or expired: either way the race is decided here.
  co_await race->deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  race->decided = true;
  if (race->answer) {
    co_return std::move(*race->answer);
  }
  co_return Resolution{boost::beast::error::timeout, {}};
}

}  // namespace inereg::http
