#pragma once

#include <boost/json.hpp>

#include "store/records.hpp"

// The session's decision and person as Veriff answers them: GET
// /v1/sessions/{id}/decision ("Decision data", veriff-api.md §4.9), whose object is also
// the decision webhook's body, and GET /v1/sessions/{id}/person ("Person data", §4.10).
// Pure functions of the stored session.
namespace inereg::veriff {

// {"status":"success","verification":{…}|null,"technicalData":{"ip":null}}: verification
// is null until the session has a decision. `results`: the session's registry results;
// each one recorded adds its detail to verification.additionalVerifiedData
// (registry_details), Veriff's current "INE / CURP Database Verification" form.
boost::json::object decision_body(const store::Session& session, const store::SessionCheckResults& results);

// {"ineRegistryValidation":{…},"curpRegistryValidation":{…}}, each present when its check
// recorded a result: source (null for results recorded before sources were), messageCode
// (the vendor's, or null), snapshotDate (a local snapshot's import date) or answeredAt
// (the upstream's answer time), situation id and name (CURP: the status code), active,
// the registry's text, and checkedAt. docs/openapi.yaml, RegistryValidation, pins it.
boost::json::object registry_details(const store::SessionCheckResults& results);

// The person as sent at creation, with the INE identifiers in their normalized form
// (`verification.person` of the decision).
boost::json::object person_object(const store::Session& session);

// {"status":"success","person":{…,"pepSanctionMatches":[]}}: GET …/person.
boost::json::object person_body(const store::Session& session);

}  // namespace inereg::veriff
