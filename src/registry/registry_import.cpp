#include "registry/registry_import.hpp"

#include "registry/registry_file.hpp"
#include "util/time.hpp"

namespace inereg::registry {
ImportReport import_registry(store::Store& store, std::istream& input,
                             const std::function<void(std::int64_t)>& on_progress) {
  return import_csv<store::RegistryEntry>(
      input, kRegistryCsvHeader,
      [](std::string_view line) -> std::variant<store::RegistryEntry, std::string> {
        auto parsed = parse_registry_line(line);
        if (auto* problem = std::get_if<std::string>(&parsed)) {
          return std::move(*problem);
        }
        return to_registry_entry(std::get<RegistryRow>(parsed));
      },
      [&store](std::span<const store::RegistryEntry> batch) { store.upsert_registry_entries(batch); }, on_progress,
      [&store] { store.set_snapshot_date(store::kIneSnapshot, util::wall_clock_ms()); });
}

}  // namespace inereg::registry
