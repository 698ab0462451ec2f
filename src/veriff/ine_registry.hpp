#pragma once

#include <boost/json.hpp>

#include "store/records.hpp"

// The INE registry result (veriff-api.md §4.1): the body of GET
// /v1/sessions/{id}/decision/ine-registry and, field for field, the INE webhook's
// `data.details`.
namespace inereg::veriff {

// {"active":true,"documentState":"…"}
boost::json::object ine_registry_result(const store::IneResult& result);

}  // namespace inereg::veriff
