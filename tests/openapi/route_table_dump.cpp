// Prints the router's route table as JSON lines for check_openapi.py:
// {"method":"GET","path":"/v1/sessions/{id}","signatureCovers":"path-id"}.
#include <boost/json.hpp>

#include <iostream>

#include "api/routes.hpp"

namespace {

// The names docs/openapi.yaml uses in x-signature-covers.
const char* signature_covers(inereg::api::Access access) {
  switch (access) {
    case inereg::api::Access::kPublic:
      return "none";
    case inereg::api::Access::kBodySignatureOptional:
      return "body-optional";
    case inereg::api::Access::kBodySigned:
      return "body";
    case inereg::api::Access::kPathIdSigned:
      return "path-id";
    case inereg::api::Access::kSessionToken:
      return "session-token";
  }
  return "unknown";
}

}  // namespace

int main() {
  for (const auto& route : inereg::api::routes()) {
    boost::json::object line{{"method", route.method},
                             {"path", route.pattern},
                             {"signatureCovers", signature_covers(route.access)},
                             {"browserCors", route.browser_cors}};
    std::cout << boost::json::serialize(line) << "\n";
  }
  return 0;
}
