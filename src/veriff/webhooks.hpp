#pragma once

#include <string>
#include <string_view>

#include "store/records.hpp"

// The webhook bodies Veriff sends, as inereg sends them (veriff-api.md §5.4). Each is
// the exact bytes to sign and post, written by veriff::to_json.
namespace inereg::veriff {

// The event webhook's `code` and `action` (§5.4): the session was opened by the end
// user, or submitted for a decision.
enum class SessionEvent {
  kStarted = 7001,    // action "started"
  kSubmitted = 7002,  // action "submitted"
};

// {"id","attemptId","feature","code","action","vendorData","endUserId"}
std::string event_webhook(const store::Session& session, SessionEvent event);

// {"status":"success","verification":{…},"technicalData":{…}}: the decision webhook,
// the same object GET /v1/sessions/{id}/decision answers.
std::string decision_webhook(const store::Session& session, const store::SessionCheckResults& results);

// {"eventType":"ine_registry","sessionId","attemptId","vendorData","endUserId","version",
// "time","data":{"status","code","details"}}: the INE webhook. `data.status` is a
// one-line Spanish summary of the answer, as in Veriff's sample; `data.code` is 200
// (the registry answered); `data.details` is exactly the GET …/decision/ine-registry body.
std::string ine_webhook(const store::Session& session, const store::IneResult& result);

// inereg extension (not Veriff's): `eventType` of the webhook a re-check sends when the
// registry's verdict on a decided session's credential changed (docs/openapi.yaml,
// webhooks).
inline constexpr const char* kIneVerdictChangedEvent = "inereg.ine_registry.verdict_changed";

// The INE webhook's shape with eventType kIneVerdictChangedEvent: `time` is the
// re-check's, `data.details` the verdict now and `data.previous` the one it replaces,
// each in the GET …/decision/ine-registry shape (which keeps answering the original).
std::string ine_verdict_changed_webhook(const store::Session& session, const store::IneResult& previous,
                                        const store::IneResult& current);

// {"type":"curp_registry","id","vendorData","endUserId","version","data":{"attemptId",
// "name":"curp_registry","status":"found"|"not_found","code":200,"details"}}: the CURP
// webhook (veriff-api.md §5.4); `details` is the GET …/decision/curp-registry body plus
// "description". "not_found": RENAPO has no record of the CURP (statusCurp null).
std::string curp_webhook(const store::Session& session, const store::CurpResult& result);

// {"eventType":"combined-ine-curp-registry","sessionId","attemptId","vendorData",
// "endUserId","version","time","data":{"details":{"ine","curp"}}}: the INE+CURP webhook,
// sent once the combined result is complete (the session is decided then: `time` is
// its decision time); `details` is the GET …/combined-ine-curp-registry body's `data`.
std::string combined_webhook(const store::Session& session, const store::SessionCheckResults& results);

// The webhook body with its personal parts (vendorData, endUserId, person, document,
// curp, at any depth) set to null: what is still sent for a session deleted before its
// webhook went out, whose sealed body can no longer be opened (issue 15). "" when
// `body` is not JSON.
std::string without_personal_data(std::string_view body);

}  // namespace inereg::veriff
