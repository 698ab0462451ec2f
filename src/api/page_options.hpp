#pragma once

#include <string>

namespace inereg::api {

// The verification page's settings (config `page.*`; api/verification_page.hpp).
struct PageOptions {
  // Unreadable card-back photos a person may take; after the last the session is
  // submitted with it, as through the API (an unreadable card: resubmission requested).
  int max_tries = 3;
  bool capture_front = false;  // also ask for the front of the card (stored, not read)
  // The privacy notice of the intro screen, per language; empty: the built-in text.
  std::string privacy_notice_es;
  std::string privacy_notice_en;
  int requests_per_minute = 30;  // per session, over every page endpoint; 0 = no limit
};

}  // namespace inereg::api
