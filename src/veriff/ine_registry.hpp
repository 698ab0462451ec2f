#pragma once

#include <boost/json.hpp>
#include <span>
#include <string_view>

#include "store/records.hpp"

// The INE registry result (veriff-api.md §4.1): the body of GET
// /v1/sessions/{id}/decision/ine-registry and, field for field, the INE webhook's
// `data.details`.
namespace inereg::veriff {

// {"active":true,"documentState":"…"}
boost::json::object ine_registry_result(const store::IneResult& result);

// inereg extension (not Veriff's): the body of GET /v1/sessions/{id}/ine-registry/rechecks,
// the session's re-checks oldest first (docs/openapi.yaml, IneRecheckHistory):
// {"status":"success","sessionId","rechecks":[{"id","requestedBy","requestedAt","state",
// "checkedAt","outcome","result","changed","source"}]}.
boost::json::object ine_recheck_history(std::string_view session_id, std::span<const store::Recheck> rechecks);

}  // namespace inereg::veriff
