#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "store/records.hpp"

// The CURP registry result and the combined INE+CURP result (veriff-api.md §4.2, §4.3):
// the bodies of GET /v1/sessions/{id}/decision/curp-registry and
// …/combined-ine-curp-registry and, part for part, the `data.details` of the CURP and
// INE+CURP webhooks. Pure functions of stored records.
namespace inereg::veriff {

// {"statusCurp":"RCN"|null,"curp":"<CURP>"|null}: statusCurp is null when RENAPO has no
// record of the CURP, or when the check could not complete (`result` null).
boost::json::object curp_registry_result(const store::CurpResult* result, std::string_view curp);

// The CURP webhook's data.details and the combined result's curp part: the GET body
// plus "description" (the status's text, null without a status).
boost::json::object curp_details(const store::CurpResult& result, std::string_view curp);

// {"ine":{"active","status"}|null,"curp":{…curp_details}|null}: a part is null when its
// check could not complete. The INE part's `status` is the registry's documentState.
boost::json::object combined_parts(const store::SessionCheckResults& results, std::string_view curp);

// {"data":{…combined_parts}}: GET …/combined-ine-curp-registry.
boost::json::object combined_registry_result(const store::SessionCheckResults& results, std::string_view curp);

}  // namespace inereg::veriff
