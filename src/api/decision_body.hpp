#pragma once

#include <boost/json.hpp>

#include "store/records.hpp"

// The bodies of GET /v1/sessions/{id}/decision and /person (veriff-api.md §4.9, §4.10),
// shared by the handlers and the decision webhook (whose body is the same object).
// Pure functions of the stored session.
namespace inereg::api {

// {"status":"success","verification":{…}|null,"technicalData":{"ip":null}}: verification
// is null until the session has a decision.
boost::json::object decision_body(const store::Session& session);

// The person as sent at creation, with the INE identifiers in their normalized form.
boost::json::object person_object(const store::Session& session);

}  // namespace inereg::api
