#include "veriff/verification.hpp"

#include "veriff/json.hpp"

namespace inereg::veriff {

std::string verification_summary(const store::Session& session, const VerificationLink& link) {
  boost::json::object verification;
  verification["id"] = session.id;
  verification["url"] = link.url;
  verification["vendorData"] = string_or_null(session.vendor_data);
  verification["host"] = link.host;
  verification["status"] = session.status;
  verification["sessionToken"] = link.session_token;
  boost::json::object body;
  body["status"] = "success";
  body["verification"] = std::move(verification);
  return to_json(body);
}

std::string deletion_confirmation(const store::Session& session) {
  boost::json::object body;
  body["status"] = "success";
  body["verification"] = boost::json::object{{"id", session.id}};
  return to_json(body);
}

}  // namespace inereg::veriff
