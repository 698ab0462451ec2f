#include "veriff/curp_registry.hpp"

#include "ine/curp_status.hpp"
#include "veriff/json.hpp"

namespace inereg::veriff {

boost::json::object curp_registry_result(const store::CurpResult* result, std::string_view curp) {
  const auto status = result ? ine::curp_status_by_id(result->status) : std::nullopt;
  boost::json::object body;
  body["statusCurp"] = status ? boost::json::value(boost::json::string(status->code)) : boost::json::value(nullptr);
  body["curp"] = text_or_null(std::string(curp));
  return body;
}

boost::json::object curp_details(const store::CurpResult& result, std::string_view curp) {
  boost::json::object details = curp_registry_result(&result, curp);
  const auto status = ine::curp_status_by_id(result.status);
  details["description"] =
      status ? boost::json::value(boost::json::string(status->description)) : boost::json::value(nullptr);
  return details;
}

boost::json::object combined_parts(const store::SessionCheckResults& results, std::string_view curp) {
  boost::json::object parts;
  if (results.ine) {
    parts["ine"] = boost::json::object{{"active", results.ine->active}, {"status", results.ine->document_state}};
  } else {
    parts["ine"] = nullptr;
  }
  parts["curp"] = results.curp ? boost::json::value(curp_details(*results.curp, curp)) : boost::json::value(nullptr);
  return parts;
}

boost::json::object combined_registry_result(const store::SessionCheckResults& results, std::string_view curp) {
  return boost::json::object{{"data", combined_parts(results, curp)}};
}

}  // namespace inereg::veriff
