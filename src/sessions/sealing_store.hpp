#pragma once

#include <memory>

#include "auth/answer_box.hpp"
#include "auth/key_ring.hpp"
#include "store/store.hpp"

namespace inereg::sessions {

// Personal data sealed at rest (issue 15), for every backend: a store::Store decorator
// that seals a session's personal values on their way into the store and opens them on
// their way out, so the backends store and load opaque text and decide nothing.
//
// - Each session created through it gets a random data key (auth::KeyRing), inserted
//   sealed with the session in one transaction (session_keys). Under that key, with
//   associated data naming the value's table, row and column ("sessions:<id>:cic"), so a
//   sealed value moved to another row or column does not open:
//     sessions: person_json, document_json, vendor_data, end_user_id and the identifier
//       columns (cic, citizen_id, ocr, elector_key, emission_number, curp);
//     media: the bytes (binary, "media:<media id>:bytes");
//     ine_results.sealed_answer: the registry's answer, opened from auth::AnswerBox at
//       insert and sealed under the data key; sealed again with AnswerBox for the
//       caller on read (so it follows the session's key, and a master key rotation);
//     webhook_deliveries.body: an envelope (kSealedBodyPrefix, below).
// - delete_session destroys the data key in its transaction (destroy_session_key): every
//   copy of the session's values left behind (free pages, WAL, a backup, a PostgreSQL
//   dead tuple) is unreadable.
// - Sessions without a key (created before migration 13) are read and written as they
//   were, in clear (docs/DEPLOYMENT.md, "Personal data at rest").
// - A value that does not open under its session's key (altered, moved) throws
//   store::StoreError: never a wrong value.
//
// Thread-safe as the inner store is. GET ine-registry (find_ine_answer) carries no
// personal data and passes straight through; so do the other non-personal calls.
std::unique_ptr<store::Store> make_sealing_store(std::unique_ptr<store::Store> inner, auth::KeyRing keys,
                                                 auth::AnswerBox answers);

// A queued webhook body as stored: kSealedBodyPrefix, the hex of the body sealed under
// the session's data key, ':', then the body without its personal parts
// (veriff::without_personal_data). The delivery worker gets the whole body while the
// session's key exists, and the body without its personal parts once it was deleted.
inline constexpr std::string_view kSealedBodyPrefix = "sealed:v1:";

}  // namespace inereg::sessions
