#include "api/api.hpp"
#include "api/errors.hpp"
#include "metrics/metrics.hpp"

namespace inereg::api {

// Unauthenticated, like /healthz: a scraper holds no integration key, and the page
// carries counts only — no session ids, no personal data. Off (404, the same answer as
// any unknown path) when the operator disabled it.
ApiResponse Api::metrics_response() const {
  if (!options_.metrics_page) {
    return error_response(ErrorKind::kNotFound);
  }
  ApiResponse response(200, options_.metrics_page());
  response.content_type = std::string(metrics::kContentType);
  return response;
}

}  // namespace inereg::api
