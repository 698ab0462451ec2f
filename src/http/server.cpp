#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/handler_coroutine.hpp"
#include "http/request_head.hpp"
#include "http/response_head.hpp"
#include "util/io_context.hpp"

namespace inereg::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;

// What an API client's request head takes (request line, Host, X-AUTH-CLIENT,
// X-HMAC-SIGNATURE and a few more), kept in each connection's coroutine frame.
constexpr std::size_t kFieldsBufferBytes = 1024;

// One accepted connection. Its deadline is enforced by a watchdog timer that wakes a
// few times per timeout period, not by a timer armed per read and write: re-arming a
// timer on every operation cost timer-queue work and syscalls on each request.
// Everything here runs on the connection's own single-threaded io_context, except
// `idle`, which the drain reads from the acceptor's thread.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {
    beast::error_code ignored;
    peer_address = socket.remote_endpoint(ignored).address().to_string();
  }
  Connection(tcp::socket s, std::string peer)
      : socket(std::move(s)), peer_address(std::move(peer)), watchdog(socket.get_executor()) {}
  tcp::socket socket;
  std::string peer_address;
  asio::steady_timer watchdog;
  Clock::time_point deadline = Clock::time_point::max();
  bool closed = false;
  std::atomic<bool> idle{true};
  // Placement (pinned I/O threads only): requests since the CPU was last read, and the
  // CPU read then.
  std::uint32_t requests_since_placement = 0;
  int last_incoming_cpu = -1;
};

// The CPU on which the kernel last received a packet of `socket`: the client's CPU over
// loopback, the receive queue's CPU from a network card. -1 if unknown.
int incoming_cpu(tcp::socket& socket) {
  int cpu = -1;
  socklen_t length = sizeof cpu;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_INCOMING_CPU, &cpu, &length) != 0) {
    return -1;
  }
  return cpu;
}

// One CPU per I/O context when the threads are to be pinned (as many threads as CPUs the
// process may run on), the i-th allowed CPU for the i-th context; else none.
std::vector<int> cpus_to_pin(const ServerSettings& settings, std::size_t contexts) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (!settings.pin_io_threads || ::sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
      static_cast<std::size_t>(CPU_COUNT(&allowed)) != contexts) {
    return {};
  }
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < contexts; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      cpus.push_back(cpu);
    }
  }
  return cpus;
}

void pin_this_thread(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (const int error = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one); error != 0) {
    spdlog::warn("could not pin an I/O thread to CPU {}: {}", cpu, std::strerror(error));
  }
}

// Sends `response` (its head made by append_response_head in `head`, which the
// connection reuses) and, unless `with_body` is false (HEAD), its body: one gathered
// write, so one sendmsg for any response that fits the socket buffer.
asio::awaitable<beast::error_code> send(tcp::socket& socket, const Response& response, unsigned version,
                                        bool keep_alive, bool with_body, std::string& head) {
  head.clear();
  append_response_head(response, version, keep_alive, head);
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head),
                                                     with_body ? asio::buffer(response.body) : asio::const_buffer()};
  auto [error, written] = co_await asio::async_write(socket, buffers, asio::as_tuple(asio::use_awaitable));
  co_return error;
}

// The bytes all request bodies being read or handled may hold together. A body takes
// its share (its declared length, or its route's limit when chunked) before it is read
// and gives it back when its request is done. A body alone larger than the whole
// budget is still admitted when nothing else holds any, so no route becomes unusable.
class BodyBudget {
 public:
  explicit BodyBudget(std::size_t limit) : limit_(static_cast<std::int64_t>(limit)) {}

  class Share {
   public:
    Share() = default;
    Share(BodyBudget* budget, std::int64_t bytes) : budget_(budget), bytes_(bytes) {}
    Share(Share&& other) noexcept : budget_(std::exchange(other.budget_, nullptr)), bytes_(other.bytes_) {}
    Share& operator=(Share&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = other.bytes_;
      }
      return *this;
    }
    Share(const Share&) = delete;
    Share& operator=(const Share&) = delete;
    ~Share() { release(); }
    explicit operator bool() const { return budget_ != nullptr; }

   private:
    void release() {
      if (budget_ != nullptr) {
        budget_->held_.fetch_sub(bytes_, std::memory_order_relaxed);
        budget_ = nullptr;
      }
    }
    BodyBudget* budget_ = nullptr;
    std::int64_t bytes_ = 0;
  };

  // A share of `bytes`, or an empty Share when taking it would pass the limit.
  Share take(std::size_t bytes) {
    const auto wanted = static_cast<std::int64_t>(bytes);
    const auto before = held_.fetch_add(wanted, std::memory_order_relaxed);
    if (before > 0 && before + wanted > limit_) {
      held_.fetch_sub(wanted, std::memory_order_relaxed);
      refused_.fetch_add(1, std::memory_order_relaxed);
      return {};
    }
    return {this, wanted};
  }

  std::int64_t held() const { return held_.load(std::memory_order_relaxed); }
  std::int64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const std::int64_t limit_;
  std::atomic<std::int64_t> held_{0};
  std::atomic<std::int64_t> refused_{0};
};

// Accept errors (out of descriptors, mostly) repeat for as long as the condition
// lasts: one line a second says so, with how many were not logged.
class AcceptErrorLog {
 public:
  void record(const beast::error_code& error) {
    const auto now = Clock::now();
    if (now - last_logged_ < std::chrono::seconds(1)) {
      ++suppressed_;
      return;
    }
    if (suppressed_ > 0) {
      spdlog::warn("accept failed: {} ({} more since the last report)", error.message(), suppressed_);
    } else {
      spdlog::warn("accept failed: {}", error.message());
    }
    last_logged_ = now;
    suppressed_ = 0;
  }

 private:
  Clock::time_point last_logged_ = Clock::time_point::min();
  std::uint64_t suppressed_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions o, Application a)
      : options(std::move(o)),
        application(std::move(a)),
        contexts(make_contexts(options.io_threads)),
        context_cpus(cpus_to_pin(options, contexts.size())),
        acceptor(*contexts.front()),
        blocking(static_cast<std::size_t>(std::max(1, options.blocking_threads))),
        drain_timer(*contexts.front()),
        signals(*contexts.front()) {}

  // One single-threaded io_context per I/O thread: a connection lives on one of them
  // for its whole life, so it needs no strand and the contexts share no locks.
  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int count) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (int i = 0; i < std::max(1, count); ++i) {
      made.push_back(std::make_unique<asio::io_context>(1));
      util::with_reactor(*made.back());
    }
    return made;
  }

  void stop_all() {
    for (auto& context : contexts) {
      context->stop();
    }
  }

  ServerOptions options;
  Application application;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  const std::vector<int> context_cpus;  // contexts[i]'s thread is pinned to context_cpus[i]; empty: not pinned
  std::size_t next_context = 0;         // round-robin for accepted connections; acceptor's thread only
  AcceptErrorLog accept_errors;         // acceptor's thread only
  tcp::acceptor acceptor;
  asio::thread_pool blocking;
  SuspendedCoroutines suspended_coroutines;
  asio::steady_timer drain_timer;
  asio::signal_set signals;
  std::atomic<bool> draining{false};
  std::mutex connections_mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;
  BodyBudget body_budget{options.max_body_bytes_in_flight};
  // Counted for stats(); the sets and the budget above are the truth.
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> connections_refused{0};
  std::atomic<std::int64_t> refused_before_body{0};
  std::atomic<std::int64_t> connections_moved{0};

  // Runs the application's handler on the blocking pool and resumes the caller on its
  // own executor.
  asio::awaitable<Response> handle_blocking(const Request& request, const Routing& routing) {
    auto executor = co_await asio::this_coro::executor;
    // A named local, not a temporary in the co_await expression: GCC 12 destroys such a
    // temporary twice, which released the captured executor once too often and
    // crashed the server after a few POST/PATCH requests on one keep-alive connection.
    auto initiation = [this, &request, &routing, executor](auto completion) mutable {
      asio::post(blocking, [this, &request, &routing, executor, completion = std::move(completion)]() mutable {
        Response result;
        std::exception_ptr error;
        try {
          result = application.handle(request, routing);
        } catch (...) {
          error = std::current_exception();
        }
        asio::post(executor, [completion = std::move(completion), error, result = std::move(result)]() mutable {
          std::move(completion)(error, std::move(result));
        });
      });
    };
    auto response = co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, Response)>(
        std::move(initiation), asio::use_awaitable);
    co_return response;
  }

  // Closes the connection's pending operation once its deadline has passed.
  asio::awaitable<void> watch(std::shared_ptr<Connection> connection) {
    const auto shortest = std::min(options.read_timeout, options.idle_timeout);
    const auto tick = std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
    while (!connection->closed) {
      connection->watchdog.expires_after(tick);
      // Expired or cancelled alike: the loop reads the connection's state, not the result.
      co_await connection->watchdog.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!connection->closed && Clock::now() >= connection->deadline) {
        beast::error_code error;
        connection->socket.cancel(error);
      }
    }
  }

  // `buffer` holds what was read and not yet parsed: empty for a new connection, the
  // start of a pipelined request for one moved here from another context.
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection, beast::flat_buffer buffer) {
    auto& stream = connection->socket;
    std::string head_bytes;  // each response's status line and fields, the buffer reused
    // Each request head's fields are allocated from this buffer, given back whole when
    // the request is done, instead of one heap allocation per field (a larger head
    // spills over to the heap).
    std::array<std::byte, kFieldsBufferBytes> fields_buffer;
    bool moved_away = false;
    for (;;) {
      connection->idle = true;
      if (draining) {
        break;
      }
      std::pmr::monotonic_buffer_resource fields_arena(fields_buffer.data(), fields_buffer.size());
      BeastRequestParser parser(std::piecewise_construct, std::make_tuple(),
                                std::make_tuple(FieldsAllocator(&fields_arena)));
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      // The body limit depends on the route: set below, once the request line is known.
      parser.body_limit(boost::none);
      connection->deadline = Clock::now() + options.idle_timeout;
      auto [header_error, header_bytes] =
          co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      connection->idle = false;
      // The request's one routing: its body limit and thread class are known from the
      // request line, and the application gets it back below instead of matching again.
      Routing routing;
      std::size_t max_body_bytes = options.max_body_bytes;
      if (!header_error && !acceptable_transfer_encoding(parser.get())) {
        header_error = bhttp::error::bad_transfer_encoding;
      }
      if (!header_error) {
        const auto& head = parser.get();
        const std::string_view target(head.target().data(), head.target().size());
        routing = application.route(routed_method(head), target.substr(0, target.find('?')));
        max_body_bytes = body_limit(options, routing);
        parser.body_limit(max_body_bytes);
        // A declared length above the limit is refused before any of the body is read.
        const auto declared = parser.content_length();
        if (declared && *declared > max_body_bytes) {
          header_error = bhttp::error::body_limit;
        }
      }
      // Before any body byte is read: the application may refuse the request from its
      // headers, and the body gets its share of the bytes all bodies may hold.
      BodyBudget::Share body_share;
      std::shared_ptr<BodyDigest> body_digest;
      if (!header_error && !parser.is_done()) {
        if (application.admit) {
          if (auto refusal = application.admit(exchange_of(parser.get(), connection->peer_address), routing)) {
            refused_before_body.fetch_add(1, std::memory_order_relaxed);
            co_await answer_and_close(*connection, std::move(*refusal), parser.get().version());
            break;
          }
        }
        body_share = body_budget.take(parser.content_length().value_or(max_body_bytes));
        if (!body_share) {
          co_await answer_and_close(*connection, application.refuse(Refusal::kOverloaded), 11);
          break;
        }
        if (application.watch_body) {
          body_digest = application.watch_body(exchange_of(parser.get(), connection->peer_address), routing);
        }
      }
      if (!header_error && !parser.is_done()) {
        connection->deadline = Clock::now() + options.read_timeout;
        // Piece by piece, so that the digest sees each piece as it arrives (the
        // signature is computed during the read, not in a second pass after it).
        std::size_t digested = 0;
        while (!header_error && !parser.is_done()) {
          auto [body_error, body_bytes] =
              co_await bhttp::async_read_some(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
          header_error = body_error;
          const std::string_view body = parser.get().body();
          if (body_digest && body.size() > digested) {
            body_digest->update(body.substr(digested));
            digested = body.size();
          }
        }
      }
      std::optional<Refusal> refusal;
      if (header_error == bhttp::error::body_limit) {
        refusal = Refusal::kBodyTooLarge;
      } else if (header_error == bhttp::error::header_limit) {
        refusal = Refusal::kHeaderTooLarge;
      } else if (header_error == bhttp::error::end_of_stream || header_error == asio::error::operation_aborted ||
                 header_error == asio::error::connection_reset || header_error == asio::error::eof) {
        break;
      } else if (header_error) {
        refusal = Refusal::kMalformedRequest;
      }
      if (refusal) {
        co_await answer_and_close(*connection, application.refuse(*refusal), 11);
        break;
      }

      const auto& request = parser.get();
      Request exchange = exchange_of(request, connection->peer_address);
      exchange.body_digest = body_digest.get();

      Response answer;
      if (routing.thread == ThreadClass::kIoThread) {
        answer = application.handle(exchange, routing);
      } else if (routing.thread == ThreadClass::kIoFiber) {
        std::function<Response()> handle = [this, &exchange, &routing] {
          return application.handle(exchange, routing);
        };
        answer = co_await handle_in_coroutine(std::move(handle), suspended_coroutines);
      } else {
        answer = co_await handle_blocking(exchange, routing);
      }
      if (answer.delay.count() > 0) {
        co_await hold(*connection, answer.delay);
      }
      // Every response has a Content-Length, so only keep-alive decides whether the
      // connection ends after it.
      const bool keep_alive = request.keep_alive() && !draining;
      connection->deadline = Clock::now() + options.read_timeout;
      const auto write_error = co_await send(stream, answer, request.version(), keep_alive,
                                             request.method() != bhttp::verb::head, head_bytes);
      if (write_error || !keep_alive) {
        break;
      }
      if (const auto target = better_context(*connection)) {
        // Served on, from the first byte not parsed here, by the context moved to.
        move(connection, std::move(buffer), *target);
        moved_away = true;
        break;
      }
    }
    if (!moved_away) {
      beast::error_code ignored;
      stream.shutdown(tcp::socket::shutdown_send, ignored);
      connection->closed = true;
      connection->watchdog.cancel();
      forget(connection);
    }
  }

  // Waits `delay` on a timer; the connection's deadline is pushed past it.
  asio::awaitable<void> hold(Connection& connection, std::chrono::milliseconds delay) {
    connection.deadline = Clock::now() + delay + options.read_timeout;
    asio::steady_timer timer(connection.socket.get_executor(), delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // The rest of the request is not read: answer, and the caller closes the connection.
  asio::awaitable<void> answer_and_close(Connection& connection, Response answer, unsigned version) {
    if (answer.delay.count() > 0) {
      co_await hold(connection, answer.delay);
    }
    connection.deadline = Clock::now() + options.read_timeout;
    std::string head;
    co_await send(connection.socket, answer, version, false, true, head);
  }

  // The index of the context on `cpu`, when the threads are pinned and one is.
  std::optional<std::size_t> context_on(int cpu) const {
    const auto found = std::find(context_cpus.begin(), context_cpus.end(), cpu);
    if (found == context_cpus.end()) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(found - context_cpus.begin());
  }

  // Every kRequestsBetweenPlacementChecks requests (pinned threads only): the context on
  // the CPU the connection's packets now arrive on, when that is not the one serving it
  // and the previous check saw the same CPU (a client thread that only passed through
  // another CPU does not move its connections back and forth).
  std::optional<std::size_t> better_context(Connection& connection) const {
    if (context_cpus.empty() || ++connection.requests_since_placement < kRequestsBetweenPlacementChecks) {
      return std::nullopt;
    }
    connection.requests_since_placement = 0;
    const int cpu = incoming_cpu(connection.socket);
    const bool steady = cpu == std::exchange(connection.last_incoming_cpu, cpu);
    const auto target = context_on(cpu);
    if (!steady || !target || contexts[*target].get() == &connection.socket.get_executor().context()) {
      return std::nullopt;
    }
    return target;
  }

  // `socket`'s descriptor registered with contexts[index]'s reactor instead of its own,
  // or nullopt, the descriptor closed, if it could not be (out of memory for the other
  // reactor's registration: the connection is lost, as one refused at accept is).
  std::optional<tcp::socket> rehomed(tcp::socket& socket, std::size_t index) {
    beast::error_code error;
    const auto protocol = socket.local_endpoint(error).protocol();
    if (!error) {
      const auto descriptor = socket.release(error);
      if (!error) {
        tcp::socket moved(*contexts[index]);
        moved.assign(protocol, descriptor, error);
        if (!error) {
          return moved;
        }
        ::close(descriptor);
      }
    }
    spdlog::warn("a connection could not move to another I/O thread and is closed: {}", error.message());
    socket.close(error);
    return std::nullopt;
  }

  // Hands the connection, and the bytes read and not yet parsed, to contexts[index]; the
  // caller's coroutine ends.
  void move(const std::shared_ptr<Connection>& from, beast::flat_buffer buffer, std::size_t index) {
    auto socket = rehomed(from->socket, index);
    from->closed = true;
    from->watchdog.cancel();
    if (!socket) {
      forget(from);
      return;
    }
    auto moved = std::make_shared<Connection>(std::move(*socket), from->peer_address);
    {
      // One step, so that the drain never sees the set empty while a connection moves.
      std::lock_guard lock(connections_mutex);
      connections.erase(from);
      connections.insert(moved);
    }
    connections_moved.fetch_add(1, std::memory_order_relaxed);
    start(std::move(moved), std::move(buffer));
  }

  // Starts serving `connection` (and its watchdog) on its socket's context. A function of
  // its own: with these two co_spawns written inside serve(), GCC 12 warns of a
  // mismatched delete of the coroutine frame (a false positive).
  void start(std::shared_ptr<Connection> connection, beast::flat_buffer buffer) {
    auto executor = connection->socket.get_executor();
    asio::co_spawn(executor, watch(connection), asio::detached);
    asio::co_spawn(executor, serve(std::move(connection), std::move(buffer)), asio::detached);
  }

  void forget(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(connections_mutex);
    connections.erase(connection);
    open_connections.store(static_cast<std::int64_t>(connections.size()), std::memory_order_relaxed);
    if (draining && connections.empty()) {
      stop_all();
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      const std::size_t round_robin = next_context++ % contexts.size();
      // Pinned threads: accepted here and moved below, once the socket's CPU is known.
      const std::size_t accepted_on = context_cpus.empty() ? round_robin : 0;
      auto [error, accepted] =
          co_await acceptor.async_accept(*contexts[accepted_on], asio::as_tuple(asio::use_awaitable));
      if (draining) {
        co_return;
      }
      if (error) {
        // Out of file descriptors and the like: back off instead of spinning.
        accept_errors.record(error);
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      tcp::socket socket(std::move(accepted));
      if (!context_cpus.empty()) {
        const std::size_t placed = context_on(incoming_cpu(socket)).value_or(round_robin);
        if (placed != accepted_on) {
          auto moved = rehomed(socket, placed);
          if (!moved) {
            continue;
          }
          socket = std::move(*moved);
        }
      }
      beast::error_code ignored;
      auto connection = std::make_shared<Connection>(std::move(socket));
      {
        std::lock_guard lock(connections_mutex);
        if (connections.size() >= static_cast<std::size_t>(std::max(1, options.max_connections))) {
          // Closed unanswered, like a full listen queue: answering would cost the
          // memory and time the cap protects.
          connections_refused.fetch_add(1, std::memory_order_relaxed);
          connection->socket.close(ignored);
          continue;
        }
        connections.insert(connection);
        open_connections.store(static_cast<std::int64_t>(connections.size()), std::memory_order_relaxed);
      }
      connection->socket.set_option(tcp::no_delay(true), ignored);
      start(std::move(connection), beast::flat_buffer());
    }
  }

  void begin_drain() {
    if (draining.exchange(true)) {
      return;
    }
    spdlog::info("shutting down: draining in-flight requests");
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    std::lock_guard lock(connections_mutex);
    if (connections.empty()) {
      stop_all();
      return;
    }
    for (const auto& connection : connections) {
      asio::post(connection->socket.get_executor(), [connection] {
        if (connection->idle) {
          beast::error_code ignored;
          connection->socket.cancel(ignored);
        }
      });
    }
    drain_timer.expires_after(options.drain_timeout);
    drain_timer.async_wait([this](beast::error_code ec) {
      if (!ec) {
        spdlog::warn("drain timeout: closing the remaining connections");
        stop_all();
      }
    });
  }
};

HttpServer::HttpServer(ServerOptions options, Application application)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(application))) {}

HttpServer::~HttpServer() {
  impl_->blocking.join();
}

void HttpServer::listen(bool handle_signals) {
  if (handle_signals) {
    // Before the port accepts: a SIGTERM from then on is queued for run() and drains,
    // instead of killing the process with the default action.
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
  }
  const auto address = asio::ip::make_address(impl_->options.host);
  const tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

ServerStats HttpServer::stats() const {
  ServerStats stats;
  stats.connections = impl_->open_connections.load(std::memory_order_relaxed);
  stats.connections_refused = impl_->connections_refused.load(std::memory_order_relaxed);
  stats.body_bytes_in_flight = impl_->body_budget.held();
  stats.bodies_refused = impl_->body_budget.refused();
  stats.refused_before_body = impl_->refused_before_body.load(std::memory_order_relaxed);
  stats.connections_moved = impl_->connections_moved.load(std::memory_order_relaxed);
  stats.handlers_suspended = impl_->suspended_coroutines.count();
  return stats;
}

void HttpServer::run(const std::function<void()>& on_ready) {
  // Without signals added (listen(false)) the wait never completes; the drain cancels it.
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) {
      impl_->begin_drain();
    }
  });
  asio::co_spawn(*impl_->contexts.front(), impl_->accept_loop(), asio::detached);
  if (on_ready) {
    on_ready();
  }
  if (!impl_->context_cpus.empty()) {
    spdlog::info("{} I/O threads pinned one per CPU; connections are served on their packets' CPU",
                 impl_->contexts.size());
  }
  // Every context on a thread of its own, the caller's included: a pinned caller would
  // pass its CPU on to every thread it starts later.
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([this, i] {
      if (!impl_->context_cpus.empty()) {
        pin_this_thread(impl_->context_cpus[i]);
      }
      // Until the drain stops it, a context without connections must keep running.
      auto keep_running = asio::make_work_guard(*impl_->contexts[i]);
      impl_->contexts[i]->run();
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  impl_->blocking.join();
  impl_->suspended_coroutines.wait_for_none();
}

void HttpServer::stop() {
  asio::post(*impl_->contexts.front(), [this] { impl_->begin_drain(); });
}

}  // namespace inereg::http
