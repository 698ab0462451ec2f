// The HTTP layer under the API: limits, routing, health, drain on shutdown.
#include "service_fixture.hpp"

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

TEST_F(TransportTest, ReadsRunInlineOnlyWhereTheStoreIsLocal) {
  // SQLite reads are local point reads (inline on the I/O thread); a PostgreSQL read is a
  // network round trip (the blocking pool). Writes and media files always take the pool.
  const auto local_read =
      service().config().db.starts_with("sqlite:") ? http::ThreadClass::kIoThread : http::ThreadClass::kBlockingPool;
  auto& api = service().api();
  EXPECT_EQ(api.route("GET", "/v1/sessions/x/decision/ine-registry").thread, local_read);
  EXPECT_EQ(api.route("GET", "/healthz").thread, local_read);
  EXPECT_EQ(api.route("PATCH", "/v1/sessions/x").thread, http::ThreadClass::kBlockingPool);
  EXPECT_EQ(api.route("GET", "/v1/media/x").thread, http::ThreadClass::kBlockingPool);
  EXPECT_EQ(api.route("GET", "/v/token").thread, http::ThreadClass::kBlockingPool);
  const auto unknown = api.route("PUT", "/v1/sessions/x");
  EXPECT_EQ(unknown.route, http::Routing::kNoRoute);
  EXPECT_EQ(unknown.thread, http::ThreadClass::kIoThread);  // its 404 waits on nothing
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
  const std::string partial = "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"verif";
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
