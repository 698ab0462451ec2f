// The route table and the router's matching, without sockets.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "api/routes.hpp"

namespace inereg::api {
namespace {

constexpr std::string_view kId = "aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7";

TEST(RouteTable, EveryRouteIsUniqueAndWellFormed) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& route : routes()) {
    EXPECT_TRUE(seen.emplace(route.method, route.pattern).second) << route.method << " " << route.pattern;
    EXPECT_EQ(route.pattern.front(), '/') << route.pattern;
    EXPECT_NE(route.handler, nullptr) << route.pattern;
  }
  EXPECT_GE(seen.size(), 10U);
}

TEST(RouteTable, EveryRouteMatchesItsOwnPattern) {
  for (const auto& route : routes()) {
    std::string path(route.pattern);
    const auto brace = path.find("{id}");
    if (brace != std::string::npos) {
      path.replace(brace, 4, kId);
    }
    const auto match = match_route(route.method, path);
    ASSERT_EQ(match.route, &route) << route.method << " " << path;
    EXPECT_EQ(match.id, brace == std::string::npos ? std::string_view() : kId);
  }
}

TEST(MatchRoute, ExtractsTheIdSegmentAsSent) {
  const auto match = match_route("GET", "/v1/sessions/NOT-A-UUID/decision/ine-registry");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/v1/sessions/{id}/decision/ine-registry");
  EXPECT_EQ(match.id, "NOT-A-UUID");
  EXPECT_EQ(match.route->access, Access::kPathIdSigned);
}

TEST(MatchRoute, SignatureRuleFollowsVeriffsTable) {
  EXPECT_EQ(match_route("POST", "/v1/sessions").route->access, Access::kBodySignatureOptional);
  EXPECT_EQ(match_route("PATCH", "/v1/sessions/x").route->access, Access::kBodySigned);
  EXPECT_EQ(match_route("DELETE", "/v1/sessions/x").route->access, Access::kPathIdSigned);
  EXPECT_EQ(match_route("GET", "/v1/sessions/x/attempts").route->access, Access::kPathIdSigned);
  EXPECT_EQ(match_route("GET", "/healthz").route->access, Access::kPublic);
  EXPECT_EQ(match_route("OPTIONS", "/v1/sessions").route->access, Access::kPublic);
}

TEST(MatchRoute, OnlyTheSessionCreationIsOpenToBrowsers) {
  for (const auto& route : routes()) {
    EXPECT_EQ(route.browser_cors, route.pattern == "/v1/sessions") << route.method << " " << route.pattern;
  }
}

TEST(RouteTable, OnlyTheMediaUploadTakesALargeBody) {
  for (const auto& route : routes()) {
    const bool upload = route.method == "POST" && route.pattern == "/v1/sessions/{id}/media";
    EXPECT_EQ(route.body_size == BodySize::kMediaUpload, upload) << route.method << " " << route.pattern;
  }
}

TEST(RouteTable, ReadsMayRunInlineExceptTheVerificationPageAndMediaFiles) {
  for (const auto& route : routes()) {
    // GET /v/{id} starts the session (a write); GET /v1/media/{id} reads and signs a whole file.
    const bool read_only = route.method == "GET" && route.pattern != "/v/{id}" && route.pattern != "/v1/media/{id}";
    EXPECT_EQ(route.threads == Threads::kReadOnly, read_only) << route.method << " " << route.pattern;
  }
}

TEST(RouteTable, EveryRouteHasAMetricsLabel) {
  for (const auto& route : routes()) {
    EXPECT_FALSE(route.metrics_label.empty()) << route.method << " " << route.pattern;
  }
  EXPECT_EQ(match_route("GET", "/v1/sessions/x/decision/ine-registry").route->metrics_label, "ine_registry");
}

TEST(MatchRoute, NearMissesDoNotMatch) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/sessions"},                   // known path, other method
           {"PUT", "/v1/sessions/x"},                 // known path, other method
           {"OPTIONS", "/v1/sessions/x"},             // only the creation has a preflight
           {"GET", "/v1/sessions//decision"},         // empty id
           {"GET", "/v1/sessions/x/decision/"},       // trailing slash
           {"GET", "/v1/sessions/x/decision/other"},  // unknown registry
           {"GET", "/v1/sessions/x/y/decision"},      // extra segment
           {"GET", "/v2/sessions/x/decision"},        // other version
           {"GET", "healthz"},                        // no leading slash
           {"GET", ""},
           {"GET", "/"},
           {"get", "/healthz"},  // methods are case-sensitive (RFC 9110)
       }) {
    EXPECT_EQ(match_route(method, path).route, nullptr) << method << " " << path;
  }
}

}  // namespace
}  // namespace inereg::api
