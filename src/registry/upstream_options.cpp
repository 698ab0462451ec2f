#include "registry/upstream_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "util/base64.hpp"

namespace inereg::registry {
namespace {

[[noreturn]] void refuse(const std::string& problem) {
  throw std::invalid_argument(problem);
}

}  // namespace

MappingSpec mapping_of(const SourceOptions& source) {
  const std::string where = "source." + source.name + ": ";
  MappingSpec spec;
  if (source.mapping != "custom") {
    const auto preset = preset_mapping(source.mapping);
    if (!preset) {
      std::string names;
      for (const auto& name : preset_names()) {
        names += "\"" + name + "\", ";
      }
      refuse(where + "mapping must be one of " + names + "or \"custom\"");
    }
    spec = *preset;
  }
  if (source.body_eh) {
    spec.body_eh = *source.body_eh;
  }
  if (source.body_d) {
    spec.body_d = *source.body_d;
  }
  if (source.body_c) {
    spec.body_c = *source.body_c;
  }
  if (source.verdict) {
    spec.verdict = *source.verdict;
  }
  if (const auto problem = mapping_problem(spec); !problem.empty()) {
    refuse(where + problem);
  }
  return spec;
}

std::vector<SourceOptions> sources_in_order(const RegistryOptions& options) {
  if (options.sources.empty()) {
    if (options.upstream.url.empty()) {
      refuse(
          "registry.kind is http but no source is configured: set registry.url (INEREG_REGISTRY_URL) or a "
          "[source.NAME] section");
    }
    SourceOptions implicit;
    implicit.name = kImplicitSourceName;
    implicit.url = options.upstream.url;
    implicit.auth_header = options.upstream.auth_header;
    implicit.auth_value = options.upstream.auth_value;
    implicit.ca_file = options.upstream.ca_file;
    return {implicit};
  }
  if (!options.upstream.url.empty()) {
    refuse("registry.url and [source.*] sections both name sources: describe that upstream as a [source.NAME] too");
  }
  std::vector<std::string> order = options.order;
  if (order.empty()) {
    if (options.sources.size() > 1) {
      refuse("several [source.*] sections: registry.sources must give their failover order");
    }
    order.push_back(options.sources.front().name);
  }
  std::vector<SourceOptions> ordered;
  for (const auto& name : order) {
    const auto found = std::find_if(options.sources.begin(), options.sources.end(),
                                    [&](const SourceOptions& source) { return source.name == name; });
    if (found == options.sources.end()) {
      refuse(fmt::format("registry.sources names {}, which no [source.{}] section defines", name, name));
    }
    if (std::any_of(ordered.begin(), ordered.end(), [&](const SourceOptions& source) { return source.name == name; })) {
      refuse("registry.sources names " + name + " twice");
    }
    ordered.push_back(*found);
  }
  for (const auto& source : options.sources) {
    if (std::none_of(order.begin(), order.end(), [&](const std::string& name) { return name == source.name; })) {
      refuse("[source." + source.name + "] is not in registry.sources");
    }
  }
  for (const auto& source : ordered) {
    if (source.url.empty()) {
      refuse("source." + source.name + ".url is not set");
    }
    if (!source.auth_value.empty() && !source.auth_user.empty()) {
      refuse("source." + source.name + " sets both auth_value and auth_user: one credential per source");
    }
    if (ConfiguredMapping::is_curp(mapping_of(source))) {
      refuse("source." + source.name + ": mapping " + source.mapping +
             " describes a CURP source; registry.sources are INE sources (a CURP source is registry.curp_url)");
    }
  }
  return ordered;
}

SourceOptions curp_source(const RegistryOptions& options) {
  if (options.curp_url.empty()) {
    refuse("registry.curp_kind is http but registry.curp_url (INEREG_REGISTRY_CURP_URL) is not set");
  }
  SourceOptions source;
  source.name = kCurpSourceName;
  source.mapping = "inereg_curp";
  source.url = options.curp_url;
  source.auth_header = options.upstream.auth_header;
  source.auth_value = options.upstream.auth_value;
  source.ca_file = options.upstream.ca_file;
  return source;
}

UpstreamOptions connection_of(const UpstreamOptions& shared, const SourceOptions& source, const MappingSpec& mapping) {
  UpstreamOptions options = shared;
  options.url = source.url;
  options.ca_file = source.ca_file;
  if (!source.auth_user.empty()) {
    options.auth_header = "Authorization";
    options.auth_value = "Basic " + util::base64_encode(source.auth_user + ":" + source.auth_password);
  } else {
    options.auth_header = source.auth_header.empty() ? mapping.auth_header : source.auth_header;
    options.auth_value = source.auth_value;
  }
  return options;
}

std::size_t idle_connections_per_thread(const UpstreamOptions& options, int io_threads) {
  const int threads = std::max(1, io_threads);
  const int in_flight_share = (options.max_in_flight + threads - 1) / threads;
  return static_cast<std::size_t>(std::max(0, options.max_idle_connections.value_or(in_flight_share)));
}

}  // namespace inereg::registry
