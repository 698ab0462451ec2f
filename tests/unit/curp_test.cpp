// The CURP check's pure parts (issue 16): the status catalog, the synthetic generator
// and the snapshot file, inereg's CURP upstream protocol, and the bodies Veriff's CURP
// and INE+CURP results are sent in.
#include <gtest/gtest.h>

#include <set>

#include "ine/curp_status.hpp"
#include "ine/identifiers.hpp"
#include "registry/configured_mapping.hpp"
#include "registry/curp_registry.hpp"
#include "registry/upstream_options.hpp"
#include "registry/upstream_protocol.hpp"
#include "veriff/curp_registry.hpp"
#include "veriff/decision.hpp"
#include "veriff/json.hpp"
#include "veriff/webhooks.hpp"

namespace inereg {
namespace {

// ine-domain.md §3.5's worked example (synthetic).
constexpr std::string_view kExampleCurp = "PEGJ850412HDFRRN06";

TEST(CurpStatus, TheCatalogHasVeriffsNineCodesFiveActive) {
  std::set<std::string_view> active;
  std::set<std::string_view> inactive;
  for (const auto& status : ine::curp_statuses()) {
    (status.active ? active : inactive).insert(status.code);
    EXPECT_EQ(ine::curp_status_by_code(status.code)->id, status.id);
    EXPECT_EQ(ine::curp_status_by_id(status.id)->code, status.code);
    EXPECT_NE(status.id, ine::kCurpNotFound);
  }
  EXPECT_EQ(active, (std::set<std::string_view>{"AN", "AH", "CRA CU", "RCN", "RCC"}));
  EXPECT_EQ(inactive, (std::set<std::string_view>{"BD", "BDA", "BCC", "BCN"}));
  EXPECT_FALSE(ine::curp_status_by_code("XX"));
  EXPECT_FALSE(ine::curp_status_by_code("CRA"));
  EXPECT_FALSE(ine::curp_status_by_id(ine::kCurpNotFound));
  EXPECT_EQ(ine::curp_status_by_code("RCN")->description, "Registro de cambio no afectando a curp");
}

TEST(SyntheticCurps, EveryCurpIsValidAndASeedRepeatsItsRecords) {
  registry::SyntheticCurps first(42);
  registry::SyntheticCurps again(42);
  std::set<int> statuses;
  for (int i = 0; i < 2'000; ++i) {
    const auto row = first.next();
    ASSERT_TRUE(ine::is_curp(row.curp)) << "record " << i;
    EXPECT_EQ(again.next().curp, row.curp);
    statuses.insert(row.status);
  }
  EXPECT_EQ(statuses.size(), ine::curp_statuses().size()) << "every status appears in 2,000 records";
}

TEST(CurpFile, LinesRoundTripAndBadLinesSayWhyWithoutTheirValues) {
  const registry::CurpRow row{std::string(kExampleCurp), 3};
  const std::string line = registry::format_curp_row(row);
  EXPECT_EQ(line, std::string(kExampleCurp) + ",CRA CU");
  const auto parsed = registry::parse_curp_line(line);
  ASSERT_TRUE(std::holds_alternative<registry::CurpRow>(parsed));
  EXPECT_EQ(std::get<registry::CurpRow>(parsed).curp, kExampleCurp);
  EXPECT_EQ(std::get<registry::CurpRow>(parsed).status, 3);

  std::string wrong_digit(kExampleCurp);
  wrong_digit.back() = '7';
  for (const std::string& bad : {wrong_digit + ",AN", std::string(kExampleCurp) + ",XX", std::string(kExampleCurp),
                                 std::string(kExampleCurp) + ",AN,1"}) {
    const auto problem = registry::parse_curp_line(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(problem)) << bad;
    EXPECT_EQ(std::get<std::string>(problem).find(kExampleCurp.substr(0, 10)), std::string::npos);
  }
}

TEST(CurpProtocol, TheIneregCurpPresetNamesTheCurpAndReadsACatalogCodeOrNull) {
  ine::Credential credential;
  credential.curp = std::string(kExampleCurp);
  const auto form = ine::lookup_key(ine::LookupForm::kCurp, credential);
  ASSERT_TRUE(form);
  EXPECT_FALSE(ine::lookup_key(ine::LookupForm::kCurp, ine::Credential{}));
  const auto spec = registry::preset_mapping("inereg_curp");
  ASSERT_TRUE(spec);
  EXPECT_EQ(registry::mapping_problem(*spec), "");
  const registry::ConfiguredMapping mapping(*spec);
  EXPECT_EQ(mapping.request_body(*form), R"({"form":"CURP","curp":"PEGJ850412HDFRRN06"})");

  const auto read = [&mapping](const std::string& body) { return mapping.read_reply({200, "application/json", body}); };
  for (const auto& status : ine::curp_statuses()) {
    const auto answer = read(registry::upstream_curp_answer_body(status.id));
    EXPECT_EQ(answer.kind, registry::LookupOutcome::Kind::kVerdict) << status.code;
    EXPECT_EQ(answer.situation, status.id) << status.code;
  }
  EXPECT_EQ(registry::upstream_curp_answer_body(ine::kCurpNotFound), R"({"statusCurp":null})");
  const auto not_found = read(R"({"statusCurp":null})");
  EXPECT_EQ(not_found.kind, registry::LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(not_found.situation, ine::kCurpNotFound);
  for (const char* not_a_verdict : {R"({"statusCurp":"XX"})", R"({"statusCurp":4})", R"({})", "[]", "nope"}) {
    const auto answer = read(not_a_verdict);
    EXPECT_EQ(answer.kind, registry::LookupOutcome::Kind::kUnavailable) << not_a_verdict;
    EXPECT_FALSE(answer.reason.empty());
  }
  const auto outage = mapping.read_reply({503, "application/json", R"({"statusCurp":"BD"})"});
  EXPECT_EQ(outage.kind, registry::LookupOutcome::Kind::kUnavailable) << "a failed answer is never a Baja";
}

TEST(RegistryDetail, AVerdictReadFromAMessageCodeCarriesTheCode) {
  const registry::ConfiguredMapping nubarium(*registry::preset_mapping("nubarium"));
  const auto coded = nubarium.read_reply({200, "application/json", R"({"estatus":"OK","claveMensaje":"1"})"});
  ASSERT_EQ(coded.kind, registry::LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(coded.message_code, 1);
  const registry::ConfiguredMapping inereg(*registry::preset_mapping("inereg"));
  const auto situation = inereg.read_reply({200, "application/json", R"({"situacion":1})"});
  ASSERT_EQ(situation.kind, registry::LookupOutcome::Kind::kVerdict);
  EXPECT_FALSE(situation.message_code) << "a situation field is no vendor message code";
}

TEST(RegistryDetail, TheDecisionReportsSourceCodeAndAnswerTimeOfEachCheck) {
  store::SessionCheckResults results{"s1", {}, {}};
  results.ine = store::IneResult{true, "vigente", 1, 1'700'000'000'000, "nubarium", 1, 1'699'999'999'500};
  results.curp = store::CurpResult{1, 1'700'000'000'000, "curp", std::nullopt, 1'699'999'999'000};
  const auto details = veriff::registry_details(results);
  EXPECT_EQ(veriff::to_json(details.at("ineRegistryValidation")),
            R"({"source":"nubarium","messageCode":1,"snapshotDate":null,"answeredAt":"2023-11-14T22:13:19.500Z",)"
            R"("situationId":1,"situationName":"VIGENTE","active":true,"documentState":"vigente",)"
            R"("checkedAt":"2023-11-14T22:13:20.000Z"})");
  EXPECT_EQ(veriff::to_json(details.at("curpRegistryValidation")),
            R"({"source":"curp","messageCode":null,"snapshotDate":null,"answeredAt":"2023-11-14T22:13:19.000Z",)"
            R"("situationId":1,"situationName":"AN","active":true,"description":"Alta normal",)"
            R"("checkedAt":"2023-11-14T22:13:20.000Z"})");
}

TEST(CurpProtocol, ACurpMappingIsNeverAnIneSource) {
  auto spec = *registry::preset_mapping("inereg_curp");
  spec.body_eh = R"({"cic":"${cic}"})";
  EXPECT_NE(registry::mapping_problem(spec), "") << "a spec is an INE or a CURP source, never both";
  spec = *registry::preset_mapping("inereg_curp");
  spec.verdict.front().values = {{"x", 12}};
  EXPECT_NE(registry::mapping_problem(spec), "") << "12 is no RENAPO status";

  registry::RegistryOptions options;
  options.kind = "http";
  registry::SourceOptions source;
  source.name = "renapo";
  source.mapping = "inereg_curp";
  source.url = "http://127.0.0.1:1/";
  options.sources = {source};
  EXPECT_THROW(registry::sources_in_order(options), std::invalid_argument);
  options.curp_kind = "http";
  EXPECT_THROW(registry::curp_source(options), std::invalid_argument) << "registry.curp_url is required";
  options.curp_url = "http://127.0.0.1:1/curp";
  EXPECT_EQ(registry::curp_source(options).mapping, "inereg_curp");
}

store::Session session_with_curp() {
  store::Session session;
  session.id = "0b6a3c34-5f8e-4e0a-9a52-4d1f5d0c2a11";
  session.attempt_id = "5c3c1c2e-9a33-4b1d-8f5e-0b8d2c7e4f10";
  session.vendor_data = "order-16";
  session.credential.curp = std::string(kExampleCurp);
  session.decided_at = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
  return session;
}

TEST(CurpBodies, TheResultTheWebhookAndTheCombinedResultHaveVeriffsShapes) {
  const store::CurpResult rcn{4, 0};
  EXPECT_EQ(veriff::to_json(veriff::curp_registry_result(&rcn, kExampleCurp)),
            R"({"statusCurp":"RCN","curp":"PEGJ850412HDFRRN06"})");
  EXPECT_EQ(veriff::to_json(veriff::curp_registry_result(nullptr, "")), R"({"statusCurp":null,"curp":null})");

  const auto session = session_with_curp();
  EXPECT_EQ(veriff::curp_webhook(session, rcn),
            R"({"type":"curp_registry","id":"0b6a3c34-5f8e-4e0a-9a52-4d1f5d0c2a11","vendorData":"order-16",)"
            R"("endUserId":null,"version":"1.0.0","data":{"attemptId":"5c3c1c2e-9a33-4b1d-8f5e-0b8d2c7e4f10",)"
            R"("name":"curp_registry","status":"found","code":200,"details":{"statusCurp":"RCN",)"
            R"("curp":"PEGJ850412HDFRRN06","description":"Registro de cambio no afectando a curp"}}})");
  const store::CurpResult none{ine::kCurpNotFound, 0};
  EXPECT_NE(veriff::curp_webhook(session, none).find(R"("status":"not_found")"), std::string::npos);

  const store::SessionCheckResults both{session.id, store::IneResult{true, "La credencial esta vigente", 1, 0}, rcn};
  EXPECT_EQ(veriff::to_json(veriff::combined_registry_result(both, kExampleCurp)),
            R"({"data":{"ine":{"active":true,"status":"La credencial esta vigente"},"curp":{"statusCurp":"RCN",)"
            R"("curp":"PEGJ850412HDFRRN06","description":"Registro de cambio no afectando a curp"}}})");
  EXPECT_EQ(veriff::combined_webhook(session, store::SessionCheckResults{session.id, {}, {}}),
            R"({"eventType":"combined-ine-curp-registry","sessionId":"0b6a3c34-5f8e-4e0a-9a52-4d1f5d0c2a11",)"
            R"("attemptId":"5c3c1c2e-9a33-4b1d-8f5e-0b8d2c7e4f10","vendorData":"order-16","endUserId":null,)"
            R"("version":"1.0.0","time":"2026-01-01T00:00:00.000Z","data":{"details":{"ine":null,"curp":null}}})");
}

}  // namespace
}  // namespace inereg
