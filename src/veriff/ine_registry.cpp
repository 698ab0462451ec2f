#include "veriff/ine_registry.hpp"

#include "util/time.hpp"
#include "veriff/json.hpp"

namespace inereg::veriff {

boost::json::object ine_registry_result(const store::IneResult& result) {
  boost::json::object body;
  body["active"] = result.active;
  body["documentState"] = result.document_state;
  return body;
}

boost::json::object ine_recheck_history(std::string_view session_id, std::span<const store::Recheck> rechecks) {
  boost::json::array entries;
  for (const auto& recheck : rechecks) {
    boost::json::object entry;
    entry["id"] = recheck.id;
    entry["requestedBy"] = recheck.requested_by;
    entry["requestedAt"] = util::format_iso8601_ms(recheck.requested_at);
    entry["state"] = recheck.checked_at ? "done" : "pending";
    entry["checkedAt"] = recheck.checked_at ? boost::json::value(util::format_iso8601_ms(*recheck.checked_at))
                                            : boost::json::value(nullptr);
    entry["outcome"] = text_or_null(recheck.outcome);
    entry["result"] =
        recheck.result ? boost::json::value(ine_registry_result(*recheck.result)) : boost::json::value(nullptr);
    entry["changed"] = recheck.changed;
    entry["source"] = text_or_null(recheck.source);
    entries.push_back(std::move(entry));
  }
  boost::json::object body;
  body["status"] = "success";
  body["sessionId"] = session_id;
  body["rechecks"] = std::move(entries);
  return body;
}

}  // namespace inereg::veriff
