// The HTTP layer under the API: limits, routing, health, drain on shutdown.
#include "service_fixture.hpp"

#include "auth/signing.hpp"
#include "http/server.hpp"
#include "support/wait_until.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace inereg::component {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using TransportTest = ComponentTest;

TEST_F(TransportTest, BodyAboveTheLimitIs413InTheErrorShape) {
  const std::string body = R"({"verification":{"vendorData":")" + std::string(6000, 'x') + R"("}})";
  ASSERT_GT(body.size(), service().config().http.max_body_bytes);
  const auto reply = client_->post_session(body);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.body, fail_body("1101", "Request body is too large"));
  EXPECT_EQ(reply.header("content-type"), "application/json");
}

TEST_F(TransportTest, BodyExactlyAtTheLimitIsRead) {
  // Not 413: the limit is the configured size, not something smaller.
  const std::size_t limit = service().config().http.max_body_bytes;
  const std::string prefix = R"({"verification":{"vendorData":)";
  const std::string body = prefix + "\"" + std::string(limit - prefix.size() - 4, 'x') + "\"}}";
  ASSERT_EQ(body.size(), limit);
  const auto reply = client_->post_session(body);
  // Over 1000 symbols, so the API (not the transport) rejects it.
  expect_error(reply, 400, "1500");
}

TEST_F(TransportTest, HeaderAboveTheLimitIs431) {
  HttpCall call{"GET", "/healthz", "", {{"X-Padding", std::string(6000, 'p')}}};
  const auto reply = testing::http_call(port(), call);
  EXPECT_EQ(reply.status, 431);
  expect_error(reply, 431, "1101");
}

TEST_F(TransportTest, ReadsAndQuickWritesRunOnTheIoThreadOnlyWhereTheStoreIsLocal) {
  // SQLite reads are local point reads (inline on the I/O thread); a PostgreSQL read is a
  // network round trip (the blocking pool). A quick write on SQLite is a coroutine on the
  // I/O thread that its commit's wait suspends. Media and the page always take the pool.
  const bool local = service().config().db.starts_with("sqlite:");
  const auto local_read = local ? http::ThreadClass::kIoThread : http::ThreadClass::kBlockingPool;
  const auto quick_write = local ? http::ThreadClass::kIoFiber : http::ThreadClass::kBlockingPool;
  auto& api = service().api();
  EXPECT_EQ(api.route("GET", "/v1/sessions/x/decision/ine-registry").thread, local_read);
  EXPECT_EQ(api.route("GET", "/healthz").thread, local_read);
  EXPECT_EQ(api.route("POST", "/v1/sessions").thread, quick_write);
  EXPECT_EQ(api.route("PATCH", "/v1/sessions/x").thread, quick_write);
  EXPECT_EQ(api.route("DELETE", "/v1/sessions/x").thread, quick_write);
  EXPECT_EQ(api.route("POST", "/v1/sessions/x/media").thread, http::ThreadClass::kBlockingPool);
  EXPECT_EQ(api.route("GET", "/v1/media/x").thread, http::ThreadClass::kBlockingPool);
  EXPECT_EQ(api.route("GET", "/v/token").thread, http::ThreadClass::kBlockingPool);
  const auto unknown = api.route("PUT", "/v1/sessions/x");
  EXPECT_EQ(unknown.route, http::Routing::kNoRoute);
  EXPECT_EQ(unknown.thread, http::ThreadClass::kIoThread);  // its 404 waits on nothing
}

// One I/O thread: whatever it serves, it serves alone.
class OneIoThreadTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.io_threads = 1;
    return o;
  }
};

// A quick write on SQLite runs on the I/O thread and waits for its group's commit
// suspended, not blocking the thread: with the store's writer held, three creates and a
// submit wait while the same (only) I/O thread answers other requests; none is answered
// before the writer is released, and then each is, its change stored.
TEST_F(OneIoThreadTest, QuickWritesWaitingForTheirCommitLeaveTheIoThreadServing) {
  if (!service().config().db.starts_with("sqlite:")) {
    GTEST_SKIP() << "on PostgreSQL quick writes take the blocking pool";
  }
  const std::string submitted_id = client_->create(ine_body(vigente_.credential));
  auto writer = service().store().begin_write();  // SQLite's one writer, held
  std::vector<std::future<HttpReply>> creates;
  for (int i = 0; i < 3; ++i) {
    creates.push_back(
        std::async(std::launch::async, [&] { return client_->post_session(ine_body(vigente_.credential)); }));
  }
  auto submit = std::async(std::launch::async, [&] { return client_->submit(submitted_id); });
  // All four suspended on the I/O thread (the scrape is served by it too).
  EXPECT_TRUE(wait_for_sample(port(), "inereg_http_handlers_suspended", 4));
  // Answered while the writes wait (a blocked I/O thread would answer nothing until the
  // writer is released below: the test then fails here rather than hanging).
  auto reads = std::async(std::launch::async, [&] {
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(testing::http_call(port(), HttpCall{"GET", "/healthz", "", {}}).status, 200);
      EXPECT_EQ(client_->ine_registry(submitted_id).status, 404);  // read inline: not submitted yet
    }
  });
  EXPECT_EQ(reads.wait_for(kWaitDeadline), std::future_status::ready) << "the I/O thread stopped serving";
  for (auto& create : creates) {
    EXPECT_EQ(create.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  }
  EXPECT_EQ(submit.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  writer.reset();  // nothing written: rolled back, and the writer passes on
  reads.get();
  for (auto& create : creates) {
    const auto reply = create.get();
    ASSERT_EQ(reply.status, 201) << reply.body;
    const std::string id = text_of(parse_object(reply.body).at("verification").at("id"));
    EXPECT_TRUE(service().store().find_session(id).has_value()) << id;
  }
  EXPECT_EQ(submit.get().status, 200);
  EXPECT_EQ(client_->wait_ine_registry(submitted_id).body, kVigenteBody);
  EXPECT_EQ(sample(scrape(port()).body, "inereg_http_handlers_suspended"), 0);
}

TEST_F(TransportTest, UnknownRouteIs404) {
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/v2/sessions"},
                                                        {"GET", "/"},
                                                        {"PUT", "/v1/sessions/x"},
                                                        {"POST", "/healthz"},
                                                        {"GET", "/v1/sessions/x/decision/other"}}) {
    const auto reply = client_->send(method, target, "", std::nullopt);
    EXPECT_EQ(reply.status, 404) << method << " " << target;
    EXPECT_EQ(reply.body, kNotFoundBody) << method << " " << target;
  }
}

TEST_F(TransportTest, HealthzIs200WithoutCredentials) {
  const auto reply = testing::http_call(port(), HttpCall{"GET", "/healthz", "", {}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"ok"})");
}

// A raw keep-alive connection that has completed one request and now sits idle.
class IdleConnection {
 public:
  explicit IdleConnection(std::uint16_t port) : stream_(ioc_) {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, "/healthz", 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.keep_alive(true);
    bhttp::write(stream_, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream_, buffer_, response);
    first_status_ = response.result_int();
    first_keep_alive_ = response.keep_alive();
  }

  unsigned first_status() const { return first_status_; }
  bool first_keep_alive() const { return first_keep_alive_; }

  // True when the server has closed the connection (EOF) within the stream deadline.
  bool closed_by_server() {
    stream_.expires_after(std::chrono::seconds(5));
    char byte = 0;
    beast::error_code ec;
    stream_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  unsigned first_status_ = 0;
  bool first_keep_alive_ = false;
};

std::size_t count_responses(const std::string& received) {
  std::size_t count = 0;
  for (auto at = received.find("HTTP/1.1 "); at != std::string::npos; at = received.find("HTTP/1.1 ", at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(TransportTest, TransferEncodingOtherThanChunkedIs400AndClosesTheConnection) {
  // After the headers, bytes that would be a second request if the first body were
  // taken as empty: the server must answer once, 400, and read no further.
  const std::string smuggled = "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (const std::string encoding :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    const auto received = testing::raw_exchange(
        port(), "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + encoding + "\r\n" + smuggled);
    EXPECT_TRUE(received.starts_with("HTTP/1.1 400 ")) << encoding << received;
    EXPECT_EQ(count_responses(received), 1U) << encoding << received;
    EXPECT_NE(received.find(R"("status":"fail")"), std::string::npos) << encoding << received;
  }
}

TEST_F(TransportTest, ExactlyChunkedIsReadAsABody) {
  // Any capitalisation of exactly "chunked" frames the body: the request reaches the
  // API, which refuses it for its missing credentials, not the transport.
  const std::string body = R"({"verification":{}})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  const auto received = testing::raw_exchange(port(),
                                              "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                              "Transfer-Encoding: Chunked\r\n\r\n" +
                                                  std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  EXPECT_TRUE(received.starts_with("HTTP/1.1 401 ")) << received;
}

TEST_F(TransportTest, HeadIsAnsweredAsGetWithoutTheBody) {
  const auto get = testing::http_call(port(), HttpCall{"GET", "/healthz", "", {}});
  ASSERT_EQ(get.status, 200);
  const auto head =
      testing::raw_exchange(port(), "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 ")) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;  // headers only
  const auto missing =
      testing::raw_exchange(port(), "HEAD /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(missing.starts_with("HTTP/1.1 404 ")) << missing;
  EXPECT_TRUE(missing.ends_with("\r\n\r\n")) << missing;
}

TEST_F(TransportTest, StopWithIdleKeepAliveConnectionsReturnsPromptly) {
  const std::uint16_t bound_port = port();
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(port()));
    ASSERT_EQ(idle.back()->first_status(), 200U);
    ASSERT_TRUE(idle.back()->first_keep_alive());
  }
  // The drain timeout is 10 s in the fixture: returning within 5 s means idle
  // connections were closed at once, not waited out.
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(running().stop_within(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  for (auto& connection : idle) {
    EXPECT_TRUE(connection->closed_by_server());
  }
  // No longer accepting.
  EXPECT_ANY_THROW(testing::http_call(bound_port, HttpCall{"GET", "/healthz", "", {}}));
}

TEST_F(TransportTest, StopWhileIdleWithoutConnectionsReturnsPromptly) {
  ASSERT_TRUE(running().stop_within(std::chrono::seconds(5)));
}

// Only the headers of a request whose body is never sent: any answer was decided
// before a body byte was read.
std::string answer_to_headers(std::uint16_t port, const std::string& head) {
  return testing::raw_exchange(port, head + "\r\n");
}

std::string media_upload_head(std::string_view extra_headers) {
  return "POST /v1/sessions/7d3fbd4c-3d8a-4f2c-9a51-2c1f0f3b9e10/media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/json\r\nContent-Length: 25165824\r\n" +
         std::string(extra_headers);
}

TEST_F(TransportTest, CredentialsFailingOnTheirHeadersAreRefusedBeforeTheBodyIsRead) {
  // A 24 MiB upload is declared and never sent: each refusal comes from the headers.
  const auto missing = answer_to_headers(port(), media_upload_head(""));
  EXPECT_TRUE(missing.starts_with("HTTP/1.1 401 ")) << missing;
  EXPECT_NE(missing.find(R"("code":"1801")"), std::string::npos) << missing;

  const auto unknown =
      answer_to_headers(port(), media_upload_head("X-AUTH-CLIENT: 0f6c2b1e-8f1d-4c55-b4c6-1a2b3c4d5e6f\r\n"
                                                  "X-HMAC-SIGNATURE: " +
                                                  std::string(64, 'a') + "\r\n"));
  EXPECT_TRUE(unknown.starts_with("HTTP/1.1 401 ")) << unknown;
  EXPECT_NE(unknown.find(R"("code":"1803")"), std::string::npos) << unknown;

  const auto unsigned_upload =
      answer_to_headers(port(), media_upload_head("X-AUTH-CLIENT: " + client_->api_key() + "\r\n"));
  EXPECT_TRUE(unsigned_upload.starts_with("HTTP/1.1 401 ")) << unsigned_upload;
  EXPECT_NE(unsigned_upload.find(R"("code":"1812")"), std::string::npos) << unsigned_upload;
  EXPECT_NE(unsigned_upload.find("X-AUTH-CLIENT: " + client_->api_key()), std::string::npos)
      << "a 401 echoes the API key, as when the body was read";

  const auto metrics = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}});
  EXPECT_NE(metrics.body.find("inereg_http_refused_before_body_total 3\n"), std::string::npos) << metrics.body;
}

TEST_F(TransportTest, AWellFormedSignatureStillHasTheBodyCheckedAgainstIt) {
  // Admitted on its headers, refused once the body is read: the signature is over it.
  const std::string body = R"({"verification":{"status":"submitted"}})";
  const auto reply =
      client_->send("PATCH", "/v1/sessions/7d3fbd4c-3d8a-4f2c-9a51-2c1f0f3b9e10", body, std::string(64, 'b'));
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.body.find(R"("code":"1819")"), std::string::npos) << reply.body;
}

// A cap on what clients can make the server hold: request bodies and connections.
class BoundedTransportTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.max_body_bytes_in_flight = std::size_t{1} << 20;
    o.max_connections = 4;
    o.media_max_upload_bytes = std::size_t{4} << 20;
    return o;
  }
};

TEST_F(BoundedTransportTest, ABodyBeyondTheBytesInFlightIs503UntilTheOthersAreDone) {
  // One admitted upload holds 800 KB of the 1 MiB budget while its body is in transit.
  const std::string signed_head =
      "X-AUTH-CLIENT: " + client_->api_key() + "\r\nX-HMAC-SIGNATURE: " + std::string(64, 'c') + "\r\n";
  const std::string head =
      "POST /v1/sessions/7d3fbd4c-3d8a-4f2c-9a51-2c1f0f3b9e10/media HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 800000\r\n" +
      signed_head + "\r\n";
  asio::io_context ioc;
  beast::tcp_stream holder(ioc);
  holder.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  asio::write(holder, asio::buffer(head));
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto metrics = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}});
        return metrics.body.find("inereg_http_body_bytes_in_flight 800000\n") != std::string::npos;
      },
      std::chrono::seconds(10), "the first upload's share of the body budget"));

  const auto refused = testing::raw_exchange(port(), head);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused;
  EXPECT_NE(refused.find("Retry-After: 1\r\n"), std::string::npos) << refused;
  EXPECT_NE(refused.find(R"("status":"fail")"), std::string::npos) << refused;

  holder.close();  // the first upload gives its share back when its connection ends
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto metrics = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}});
        return metrics.body.find("inereg_http_body_bytes_in_flight 0\n") != std::string::npos;
      },
      std::chrono::seconds(10), "the budget given back"));
  const auto metrics = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}});
  EXPECT_NE(metrics.body.find("inereg_http_bodies_refused_total 1\n"), std::string::npos) << metrics.body;
}

TEST_F(BoundedTransportTest, ConnectionsBeyondTheCapAreClosedAtAccept) {
  std::vector<std::unique_ptr<IdleConnection>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<IdleConnection>(port()));
    ASSERT_EQ(open.back()->first_status(), 200U);
  }
  asio::io_context ioc;
  beast::tcp_stream extra(ioc);
  extra.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  extra.expires_after(std::chrono::seconds(5));
  char byte = 0;
  beast::error_code ec;
  extra.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();

  open.clear();
  // Room again once the others are gone. Tries made before the server saw them close
  // are refused (and counted) too, so the count is at least one.
  std::string page;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        try {
          page = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}}).body;
          return true;
        } catch (const std::exception&) {
          return false;  // closed at accept while the idle ones were still being closed
        }
      },
      std::chrono::seconds(10), "a connection accepted again"));
  const std::string counter = "inereg_http_connections_refused_total ";
  const auto at = page.find("\n" + counter);
  ASSERT_NE(at, std::string::npos) << page;
  EXPECT_GE(std::stoll(page.substr(at + 1 + counter.size())), 1) << page;
}

// As many I/O threads as CPUs: pinned, one per CPU, each connection served by the thread
// on the CPU its packets arrive on. Over loopback that is the CPU of the client's thread,
// which the test pins.
class PlacementTest : public ComponentTest {
 protected:
  // Three placement checks' worth of requests: enough for two checks to agree.
  static constexpr int kRequests = 3 * static_cast<int>(http::kRequestsBetweenPlacementChecks);

  void SetUp() override {
    cpus_ = allowed_cpus();
    if (cpus_.size() < 2) {
      GTEST_SKIP() << "one CPU: nothing to place";
    }
    ComponentTest::SetUp();
  }
  virtual bool pinned() const { return true; }
  static std::vector<int> allowed_cpus() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    EXPECT_EQ(::sched_getaffinity(0, sizeof allowed, &allowed), 0);
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &allowed)) {
        cpus.push_back(cpu);
      }
    }
    return cpus;
  }
  ServiceOptions options() const override {
    ServiceOptions o;
    o.io_threads = static_cast<int>(std::clamp<std::size_t>(allowed_cpus().size(), 1, 256));
    o.pin_io_threads = pinned();
    return o;
  }
  // A signed GET of a vigente session's answer, ready to send any number of times.
  HttpCall signed_get() {
    const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
    EXPECT_EQ(client_->wait_ine_registry(id).body, kVigenteBody);
    return HttpCall{
        "GET",
        "/v1/sessions/" + id + "/decision/ine-registry?version=v1",
        "",
        {{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(client_->secret(), id)}}};
  }
  static bool all_vigente(const std::vector<HttpReply>& replies) {
    return std::all_of(replies.begin(), replies.end(),
                       [](const HttpReply& r) { return r.status == 200 && r.body == kVigenteBody; });
  }
  std::int64_t connections_moved() {
    const std::string page = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}}).body;
    const std::string counter = "\ninereg_http_connections_moved_total ";
    const auto at = page.find(counter);
    EXPECT_NE(at, std::string::npos) << page;
    return at == std::string::npos ? -1 : std::stoll(page.substr(at + counter.size()));
  }

  // How many of this process's threads may run on `cpu` alone (their affinity, from
  // /proc): the service's I/O threads when they are pinned; no other thread here is.
  static int threads_pinned_to(int cpu) {
    int pinned = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream status(task.path() / "status");
      for (std::string line; std::getline(status, line);) {
        if (line.starts_with("Cpus_allowed_list:")) {
          pinned += line.substr(line.find_first_not_of(" \t", line.find(':') + 1)) == std::to_string(cpu) ? 1 : 0;
        }
      }
    }
    return pinned;
  }

  std::vector<int> cpus_;
};

// Runs `work` on a thread of its own pinned to `cpu`, so that the test's thread keeps
// its CPUs.
template <typename Work>
void on_cpu(int cpu, Work work) {
  std::thread([cpu, &work] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(::pthread_setaffinity_np(::pthread_self(), sizeof one, &one), 0);
    work();
  }).join();
}

TEST_F(PlacementTest, AConnectionFollowsItsClientToTheThreadOnItsCpuWithoutLosingAPipelinedRequest) {
  const HttpCall get = signed_get();
  testing::KeepAliveClient connection(port());  // connected from the test's thread, wherever it runs

  // From the first CPU: the connection ends up on its thread (at accept or moved once).
  on_cpu(cpus_[0], [&] {
    for (int i = 0; i < kRequests; ++i) {
      ASSERT_TRUE(all_vigente({connection.call(get)})) << "request " << i;
    }
  });
  const std::int64_t settled = connections_moved();
  ASSERT_LE(settled, 1);
  on_cpu(cpus_[0], [&] {
    for (int i = 0; i < kRequests; ++i) {
      ASSERT_TRUE(all_vigente({connection.call(get)})) << "request " << i;
    }
  });
  EXPECT_EQ(connections_moved(), settled) << "moved while its client stayed on one CPU";

  // From the second CPU, three requests in each write: the move happens with the next
  // requests' bytes already read, and every one is still answered, in order.
  on_cpu(cpus_[1], [&] {
    for (int i = 0; i < kRequests / 3 + 1; ++i) {
      const auto replies = connection.pipeline({get, get, get});
      ASSERT_EQ(replies.size(), 3U);
      ASSERT_TRUE(all_vigente(replies)) << "batch " << i;
    }
  });
  EXPECT_EQ(connections_moved(), settled + 1) << "not moved to the second CPU's thread, or moved more than once";

  // A new connection from the second CPU is accepted onto its thread: no move.
  on_cpu(cpus_[1], [&] {
    testing::KeepAliveClient second(port());
    for (int i = 0; i < kRequests; ++i) {
      ASSERT_TRUE(all_vigente({second.call(get)})) << "request " << i;
    }
  });
  EXPECT_EQ(connections_moved(), settled + 1) << "a connection from the second CPU was not accepted onto its thread";
}

// The same threads unpinned (http.pin_io_threads = false): connections are spread
// round-robin and never moved, from whichever CPU their client sends.
TEST_F(PlacementTest, EachIoThreadIsPinnedToACpuOfItsOwn) {
  // Each thread pins itself as it starts, which may be just after the service answers.
  for (const int cpu : cpus_) {
    EXPECT_TRUE(testing::wait_until([&] { return threads_pinned_to(cpu) == 1; }, std::chrono::seconds(5),
                                    "one thread pinned to CPU " + std::to_string(cpu)));
  }
}

class UnpinnedPlacementTest : public PlacementTest {
 protected:
  bool pinned() const override { return false; }
};

TEST_F(UnpinnedPlacementTest, ConnectionsStayWhereTheyWereAcceptedWhicheverCpuTheirClientsRunOn) {
  const HttpCall get = signed_get();
  // Connections accepted in turn land on each of the threads.
  std::vector<std::unique_ptr<testing::KeepAliveClient>> connections;
  for (int i = 0; i < 4; ++i) {
    connections.push_back(std::make_unique<testing::KeepAliveClient>(port()));
  }
  for (const int cpu : {cpus_[0], cpus_[1]}) {
    on_cpu(cpu, [&] {
      for (int i = 0; i < kRequests / 3; ++i) {
        for (auto& connection : connections) {
          ASSERT_TRUE(all_vigente(connection->pipeline({get, get, get}))) << "batch " << i;
        }
      }
    });
  }
  EXPECT_EQ(connections_moved(), 0);
  for (const int cpu : cpus_) {
    EXPECT_EQ(threads_pinned_to(cpu), 0) << "CPU " << cpu;
  }
}

// Short deadlines, to see them enforced.
class DeadlineTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.read_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(400);
    return o;
  }
};

TEST_F(DeadlineTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  IdleConnection connection(port());
  ASSERT_EQ(connection.first_status(), 200U);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_server());
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(4));
}

TEST_F(DeadlineTest, RequestThatStopsHalfwayIsClosedAfterTheReadTimeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  // Credentials that pass admission (Api::admit), so the body is waited for.
  const std::string partial =
      "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
      "X-AUTH-CLIENT: " +
      client_->api_key() + "\r\nX-HMAC-SIGNATURE: " + std::string(64, 'a') + "\r\n\r\n{\"verif";
  asio::write(stream, asio::buffer(partial));
  const auto started = std::chrono::steady_clock::now();
  stream.expires_after(std::chrono::seconds(5));
  char byte = 0;
  beast::error_code ec;
  stream.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  // The service still answers others.
  EXPECT_EQ(testing::http_call(port(), HttpCall{"GET", "/healthz", "", {}}).status, 200);
}

}  // namespace
}  // namespace inereg::component
