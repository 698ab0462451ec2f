#pragma once

#include "store/records.hpp"

namespace inereg::api {

// What submitting `session` queues, the same whichever client submits it (PATCH
// /v1/sessions/{id} or the verification page). Without credential data no registry
// check can run: Veriff's answer is a resubmission request (9103). An INE session's
// uploaded document images may still carry it: the store queues a check that reads them
// first (the check pipeline reads them, never the request's thread).
inline store::SubmitPlan submit_plan_for(const store::Session& session) {
  return store::SubmitPlan{.read_documents = session.ine_document,
                           .lookup = session.ine_document && session.credential.has_lookup_data()};
}

}  // namespace inereg::api
