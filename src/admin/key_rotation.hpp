#pragma once

#include <cstdint>
#include <functional>

#include "auth/key_ring.hpp"
#include "auth/secret_box.hpp"
#include "store/store.hpp"

// `inereg keys rotate`: moves everything sealed under the previous master key to the
// current one, online (serve keeps running with both keys), a batch per transaction.
namespace inereg::admin {

struct RotationProgress {
  std::int64_t data_keys_resealed = 0;
  std::int64_t data_keys_unopenable = 0;  // under neither key: left as they are, counted
  std::int64_t secrets_resealed = 0;
  std::int64_t secrets_unopenable = 0;
};

struct RotationOptions {
  int batch_size = 500;
  // Called after each committed batch (progress output; the tests stop a run here, as
  // a crash would).
  std::function<void(const RotationProgress&)> after_batch = {};
};

// Re-seals every session data key not under `keys`' current master key (the key id
// stored with each row says which), and every integration secret that only the previous
// key opens. Resumable: each batch commits on its own and a re-sealed row is no longer
// selected, so a run stopped anywhere (crash, SIGKILL) is finished by running it again;
// a row changed by another writer meanwhile is compare-and-set guarded and taken by
// the next run. `secrets`: the current master key with the previous one
// (SecretBox::with_previous); `current_only`: the current master key alone.
RotationProgress rotate_master_key(store::Store& store, const auth::KeyRing& keys, const auth::SecretBox& secrets,
                                   const auth::SecretBox& current_only, const RotationOptions& options);

}  // namespace inereg::admin
