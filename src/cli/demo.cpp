#include "cli/demo.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "admin/integrations.hpp"
#include "auth/signing.hpp"
#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_import.hpp"
#include "util/time.hpp"

namespace inereg::cli {
namespace {

constexpr std::string_view kDemoIntegrationName = "demo";
constexpr std::int64_t kDemoRegistrySize = 10'000;
constexpr std::uint64_t kDemoSeed = 20'261'126;

struct DemoIntegration {
  std::string api_key;
  std::string secret;
};

DemoIntegration demo_integration(app::Service& service) {
  for (const auto& integration : service.store().list_integrations()) {
    if (integration.name == kDemoIntegrationName && integration.active && !integration.secrets.empty()) {
      if (auto secret = service.secret_box().open(integration.secrets.front().sealed)) {
        return {integration.api_key, *secret};
      }
    }
  }
  const auto created =
      admin::create_integration(service.store(), service.secret_box(), kDemoIntegrationName, util::wall_clock_ms());
  return {created.api_key, created.shared_secret};
}

std::string create_body(const ine::Credential& credential) {
  boost::json::object person{{"firstName", "JUAN"}, {"lastName", "PEREZ"}, {"ineIdentifier", credential.citizen_id}};
  boost::json::object document{{"number", credential.cic}, {"country", "MX"}, {"type", "ID_CARD"}};
  boost::json::object verification{{"person", person}, {"document", document}, {"vendorData", "inereg-demo"}};
  return boost::json::serialize(boost::json::object{{"verification", verification}});
}

constexpr std::string_view kSubmitBody = R"({"verification":{"status":"submitted"}})";

// Creates and submits a session through the API itself, as a client would.
std::string create_and_submit(app::Service& service, const DemoIntegration& integration,
                              const ine::Credential& credential) {
  const std::string body = create_body(credential);
  api::ApiRequest create;
  create.method = "POST";
  create.path = "/v1/sessions";
  create.body = body;
  create.auth_client = integration.api_key;
  const auto created = service.api().handle(create);
  auto session_id = std::string(boost::json::parse(created.body).at("verification").at("id").as_string());
  const std::string path = "/v1/sessions/" + session_id;
  const std::string signature = auth::hmac_sha256_hex(integration.secret, kSubmitBody);
  api::ApiRequest submit;
  submit.method = "PATCH";
  submit.path = path;
  submit.body = kSubmitBody;
  submit.auth_client = integration.api_key;
  submit.hmac_signature = signature;
  service.api().handle(submit);
  return session_id;
}

}  // namespace

std::string prepare_demo(app::Service& service) {
  const auto integration = demo_integration(service);
  registry::SyntheticRegistry synthetic(kDemoSeed);
  const auto vigente = synthetic.make("G", ine::kSituationVigente);
  if (!service.store().find_registry_snapshot(store::kIneSnapshot).active) {
    // Imported as an operator would (`registry import`): a snapshot file of keyed hashes.
    const auto local = app::local_snapshot_options(service.config(), service.secret_box());
    std::filesystem::create_directories(local.dir);
    const auto csv = local.dir / "demo-registry.csv";
    {
      std::ofstream out(csv, std::ios::trunc);
      out << registry::kRegistryCsvHeader << "\n" << registry::format_registry_row(vigente) << "\n";
      for (std::int64_t i = 1; i < kDemoRegistrySize; ++i) {
        out << registry::format_registry_row(synthetic.next()) << "\n";
      }
    }
    const int fd = ::open(csv.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw std::runtime_error("the demo cannot read its registry file " + csv.string());
    }
    registry::import_registry(service.store(), fd,
                              registry::SnapshotImportOptions{local.dir, local.key, 1, util::wall_clock_ms});
    ::close(fd);
    std::filesystem::remove(csv);
  }
  // Drawn from another seed and never imported: the registry has no record of it.
  const auto unknown = registry::SyntheticRegistry(kDemoSeed + 1).make("G", ine::kSituationVigente);
  const std::string active_session = create_and_submit(service, integration, vigente.credential);
  const std::string unknown_session = create_and_submit(service, integration, unknown.credential);

  const std::string& base = service.local_url();
  auto get_command = [&](const std::string& session_id) {
    return fmt::format(
        "curl -s -H 'X-AUTH-CLIENT: {}' -H 'X-HMAC-SIGNATURE: {}' '{}/v1/sessions/{}/decision/ine-registry?version=v1'",
        integration.api_key, auth::hmac_sha256_hex(integration.secret, session_id), base, session_id);
  };
  std::string out;
  out += fmt::format("\ninereg demo on {} (database {})\n", base, service.config().db);
  out += fmt::format("Integration \"demo\": API key {}  shared secret {}\n\n", integration.api_key, integration.secret);
  out += "# A vigente credential (model G), checked against the local registry:\n";
  out += get_command(active_session) + "\n";
  out += "#   -> {\"active\":true,\"documentState\":\"La credencial esta vigente\"}\n\n";
  out += "# A credential the registry has no record of:\n";
  out += get_command(unknown_session) + "\n";
  out +=
      "#   -> {\"active\":false,\"documentState\":\"No se obtuvieron datos de la consulta con los parámetros "
      "seleccionados\"}\n\n";
  out += "# The whole flow for a session of your own (bash; needs openssl):\n";
  out += fmt::format("KEY={} SECRET={} BASE={}\n", integration.api_key, integration.secret, base);
  out += fmt::format(
      "ID=$(curl -s -X POST -H 'Content-Type: application/json' -H \"X-AUTH-CLIENT: $KEY\" "
      "-d '{}' $BASE/v1/sessions | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/')\n",
      create_body(vigente.credential));
  out += fmt::format("BODY='{}'\n", kSubmitBody);
  out +=
      "curl -s -X PATCH -H 'Content-Type: application/json' -H \"X-AUTH-CLIENT: $KEY\" "
      "-H \"X-HMAC-SIGNATURE: $(printf %s \"$BODY\" | openssl dgst -sha256 -hmac \"$SECRET\" | sed 's/.* //')\" "
      "-d \"$BODY\" $BASE/v1/sessions/$ID\n";
  out +=
      "sleep 1; curl -s -H \"X-AUTH-CLIENT: $KEY\" "
      "-H \"X-HMAC-SIGNATURE: $(printf %s \"$ID\" | openssl dgst -sha256 -hmac \"$SECRET\" | sed 's/.* //')\" "
      "\"$BASE/v1/sessions/$ID/decision/ine-registry?version=v1\"\n\n";
  return out;
}

}  // namespace inereg::cli
