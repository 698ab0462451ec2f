#include "veriff/ine_registry.hpp"

namespace inereg::veriff {

boost::json::object ine_registry_result(const store::IneResult& result) {
  boost::json::object body;
  body["active"] = result.active;
  body["documentState"] = result.document_state;
  return body;
}

}  // namespace inereg::veriff
