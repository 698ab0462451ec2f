#include "admin/key_rotation.hpp"

#include <algorithm>

namespace inereg::admin {

RotationProgress rotate_master_key(store::Store& store, const auth::KeyRing& keys, const auth::SecretBox& secrets,
                                   const auth::SecretBox& current_only, const RotationOptions& options) {
  RotationProgress progress;
  const int batch = std::max(1, options.batch_size);
  std::string after;
  for (;;) {
    const auto page = store.list_session_keys_not_under(keys.current_key_id(), after, batch);
    if (page.empty()) {
      break;
    }
    auto tx = store.begin_write();
    for (const auto& row : page) {
      const auto resealed = keys.reseal(row.session_id, auth::SealedDataKey{row.key_id, row.sealed_key});
      if (!resealed) {
        ++progress.data_keys_unopenable;
        continue;
      }
      if (tx->reseal_session_key(store::SessionKey{row.session_id, resealed->key_id, resealed->sealed}, row.key_id)) {
        ++progress.data_keys_resealed;
      }
    }
    tx->commit();
    after = page.back().session_id;
    if (options.after_batch) {
      options.after_batch(progress);
    }
  }

  const auto all = store.list_all_integration_secrets();
  for (std::size_t from = 0; from < all.size(); from += static_cast<std::size_t>(batch)) {
    const auto to = std::min(all.size(), from + static_cast<std::size_t>(batch));
    auto tx = store.begin_write();
    for (std::size_t i = from; i < to; ++i) {
      const auto& secret = all[i];
      if (current_only.open(secret.sealed)) {
        continue;  // already under the current key
      }
      const auto plain = secrets.open(secret.sealed);
      if (!plain) {
        ++progress.secrets_unopenable;
        continue;
      }
      if (tx->reseal_integration_secret(secret.id, secret.sealed, current_only.seal(*plain))) {
        ++progress.secrets_resealed;
      }
    }
    tx->commit();
    if (options.after_batch) {
      options.after_batch(progress);
    }
  }
  return progress;
}

}  // namespace inereg::admin
