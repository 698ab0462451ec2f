// Registry sources described as configuration (registry/configured_mapping.hpp): each
// shipped vendor preset against a fake vendor — a real HTTP server on 127.0.0.1 that
// answers like the vendor's published examples (ine-domain.md §6.2) and misbehaves on
// request — and the failover between sources (SourcesInOrder), through the same stack
// the service builds (registry::make_http_connector).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "registry/registry_file.hpp"
#include "registry/stack_builder.hpp"
#include "support/connector_lookup.hpp"
#include "support/fake_upstream.hpp"

namespace inereg::registry {
namespace {

using testing::body_of;
using testing::credential_of;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeUpstream;
using namespace std::chrono_literals;
using testing::kAnswerGuard;
using testing::lookup;
using Kind = LookupOutcome::Kind;
using Cause = LookupOutcome::Cause;

SourceOptions source(const std::string& name, const std::string& mapping, const FakeUpstream& fake) {
  SourceOptions options;
  options.name = name;
  options.mapping = mapping;
  options.url = fake.url();
  return options;
}

RegistryOptions registry_of(std::vector<SourceOptions> sources) {
  RegistryOptions options;
  options.kind = "http";
  options.upstream.attempt_timeout_ms = 2'000;
  options.upstream.lookup_timeout_ms = 10'000;
  options.upstream.max_attempts = 2;
  options.upstream.backoff_base_ms = 5;
  options.upstream.backoff_max_ms = 20;
  options.upstream.breaker.consecutive_failures = 0;  // off unless a test is about it
  for (const auto& one : sources) {
    options.order.push_back(one.name);
  }
  options.sources = std::move(sources);
  return options;
}

FakeReply json_reply(std::string body, int status = 200) {
  FakeReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

// Looks `credential` up through one source of `mapping` answering `reply`.
LookupOutcome answer_of(const std::string& mapping, const FakeReply& reply,
                        const ine::Credential& credential = credential_of("H")) {
  FakeUpstream fake;
  fake.set_reply(reply);
  const auto connector = make_http_connector(registry_of({source("vendor", mapping, fake)}));
  return lookup(*connector, credential);
}

void expect_verdict(const LookupOutcome& outcome, int situation, const std::string& what) {
  EXPECT_EQ(outcome.kind, Kind::kVerdict) << what << ": " << outcome.reason;
  EXPECT_EQ(outcome.situation, situation) << what;
}

void expect_no_verdict(const LookupOutcome& outcome, const std::string& what) {
  EXPECT_EQ(outcome.kind, Kind::kUnavailable) << what << ": situation " << outcome.situation;
  EXPECT_FALSE(outcome.reason.empty()) << what;
}

// Malformed answers every preset must refuse as a verdict.
const std::vector<FakeReply>& malformed_answers() {
  static const std::vector<FakeReply> answers = {
      FakeReply::malformed(), FakeReply::wrong_content_type(),     json_reply("[]"),
      json_reply("{}"),       json_reply(R"({"data":"vigente"})"), json_reply(R"({"claveMensaje":{"code":3}})"),
  };
  return answers;
}

// NuFi --------------------------------------------------------------------------------

std::string nufi_body(bool active, const std::string& state) {
  return R"({"code":200,"status":"Success","message":"Operación exitosa.","data":[{"information":"","activa":)" +
         std::string(active ? "true" : "false") + R"(,"estado":")" + state + R"(","comentarios":[]}]})";
}

TEST(NufiPreset, AsksWithItsFieldsAndSubscriptionKey) {
  FakeUpstream fake;
  fake.set_reply(json_reply(nufi_body(true, "La credencial esta vigente")));
  auto nufi = source("nufi", "nufi", fake);
  nufi.auth_value = "subscription-key";
  const auto connector = make_http_connector(registry_of({nufi}));
  const auto credential = credential_of("G");
  const auto outcome = lookup(*connector, credential);
  expect_verdict(outcome, 1, "vigente");
  EXPECT_EQ(outcome.source, "nufi");
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].headers.at("ocp-apim-subscription-key"), "subscription-key");
  const auto body = body_of(received[0]);
  EXPECT_EQ(body.at("tipo_identificacion").as_string(), "H");
  EXPECT_EQ(body.at("cic").as_string(), credential.cic);
  EXPECT_EQ(body.at("identificador_del_ciudadano").as_string(), credential.citizen_id);

  // ine-domain.md §6.2: tipo_identificacion is the model letter (C–H). E, F, G and H are
  // one lookup form (§5.1), asked as H. A model D credential (CIC + OCR) is asked as E–H
  // first (its model cannot be told from those fields), then, not found there, as D.
  fake.queue({json_reply(nufi_body(false, "No se obtuvieron datos de la consulta con los parámetros seleccionados"))});
  const auto model_d = credential_of("D");
  expect_verdict(lookup(*connector, model_d), 1, "model D");
  ASSERT_EQ(fake.received().size(), 3u);
  EXPECT_EQ(body_of(fake.received()[1]).at("tipo_identificacion").as_string(), "H");
  const auto d_body = body_of(fake.received()[2]);
  EXPECT_EQ(d_body.at("tipo_identificacion").as_string(), "D");
  EXPECT_EQ(d_body.at("cic").as_string(), model_d.cic);
  EXPECT_EQ(d_body.at("ocr").as_string(), model_d.ocr);

  const auto model_c = credential_of("C");
  lookup(*connector, model_c);
  const auto c_body = body_of(fake.received().back());
  EXPECT_EQ(c_body.at("tipo_identificacion").as_string(), "C");
  EXPECT_EQ(c_body.at("clave_de_elector").as_string(), model_c.elector_key);
  EXPECT_EQ(c_body.at("numero_de_emision").as_string(), model_c.emission_number);
  EXPECT_EQ(c_body.at("ocr").as_string(), model_c.ocr);
}

TEST(NufiPreset, StatesAndTheActiveFlagMapOntoTheCatalog) {
  expect_verdict(answer_of("nufi", json_reply(nufi_body(true, "La credencial esta vigente"))), 1, "vigente");
  expect_verdict(answer_of("nufi", json_reply(nufi_body(false,
                                                        "No se obtuvieron datos de la consulta con los "
                                                        "parámetros seleccionados"))),
                 21, "not found");
  // A state text inereg does not know: the documented flag still decides.
  expect_verdict(answer_of("nufi", json_reply(nufi_body(false, "La credencial no esta vigente"))), 2, "not vigente");
  expect_verdict(answer_of("nufi", json_reply(nufi_body(true, "Vigente (texto nuevo)"))), 1, "vigente, new text");
}

TEST(NufiPreset, ErrorsAndMalformedAnswersAreNoVerdict) {
  expect_no_verdict(
      answer_of("nufi", json_reply(R"({"code":400,"status":"Error","message":"Parámetros inválidos","data":null})")),
      "status Error");
  expect_no_verdict(answer_of("nufi", json_reply(R"({"code":401,"status":"Error","message":"Access denied"})", 401)),
                    "401");
  expect_no_verdict(answer_of("nufi", json_reply(R"({"code":200,"status":"Success","data":[]})")), "empty data");
  expect_no_verdict(answer_of("nufi", json_reply(R"({"code":200,"status":"Success","data":[{"activa":"quizas"}]})")),
                    "unknown flag");
  for (const auto& reply : malformed_answers()) {
    expect_no_verdict(answer_of("nufi", reply), "malformed: " + reply.body);
  }
}

// Nubarium ----------------------------------------------------------------------------

std::string nubarium_body(const std::string& status, const std::string& code) {
  return R"({"estatus":")" + status + R"(","mensaje":"Esta vigente como medio de identificacion y puede votar",)" +
         R"("claveMensaje":")" + code + R"(","codigoValidacion":"abc123","vigencia":"31 de diciembre de 2028"})";
}

TEST(NubariumPreset, AsksEachFormWithItsFieldsAndBasicAuth) {
  FakeUpstream fake;
  // Model D: the E–H form (identificador = last 9 OCR digits) is not found, then the D form is asked.
  fake.set_handler([](const FakeRequest& request) {
    return json_reply(nubarium_body("OK", body_of(request).contains("identificadorCiudadano") ? "0" : "3"));
  });
  auto nubarium = source("nubarium", "nubarium", fake);
  nubarium.auth_user = "user";
  nubarium.auth_password = "pass";
  const auto connector = make_http_connector(registry_of({nubarium}));
  const auto credential = credential_of("D");
  const auto outcome = lookup(*connector, credential);
  expect_verdict(outcome, 1, "vigente on the D form");
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].headers.at("authorization"), "Basic dXNlcjpwYXNz");
  const auto d_body = body_of(received[1]);
  EXPECT_EQ(d_body.size(), 2u);
  EXPECT_EQ(d_body.at("cic").as_string(), credential.cic);
  EXPECT_EQ(d_body.at("ocr").as_string(), credential.ocr);
  EXPECT_NE(outcome.answer.find("codigoValidacion"), std::string::npos);
}

TEST(NubariumPreset, MessageCodesMapOntoTheCatalog) {
  const std::vector<std::pair<std::string, int>> cases = {{"3", 1},  {"9", 1},  {"11", 1}, {"12", 3}, {"1", 11},
                                                          {"0", 21}, {"5", 21}, {"6", 21}, {"7", 21}, {"8", 21}};
  for (const auto& [code, situation] : cases) {
    expect_verdict(answer_of("nubarium", json_reply(nubarium_body("OK", code))), situation, "claveMensaje " + code);
  }
}

TEST(NubariumPreset, ServiceErrorsUnknownCodesAndMalformedAnswersAreNoVerdict) {
  expect_no_verdict(answer_of("nubarium", json_reply(nubarium_body("ERROR", "4"))), "INE service error");
  expect_no_verdict(answer_of("nubarium", json_reply(nubarium_body("OK", "2"))), "unknown code");
  expect_no_verdict(answer_of("nubarium", json_reply(R"({"estatus":"ERROR","mensaje":"Token invalido"})", 401)), "401");
  expect_no_verdict(answer_of("nubarium", json_reply(R"({"estatus":"ERROR","mensaje":"Error interno"})")), "no code");
  for (const auto& reply : malformed_answers()) {
    expect_no_verdict(answer_of("nubarium", reply), "malformed: " + reply.body);
  }
}

// Didit -------------------------------------------------------------------------------

std::string didit_body(const std::string& status, const std::string& outcome_code) {
  return R"({"request_id":"req_01H","status":")" + status +
         R"(","issuing_state":"MEX","match_type":"full_match","validations":[{"outcome_code":")" + outcome_code +
         R"(","service_id":"mex_ine_vigencia","service_name":"Mexico - INE credential validity verification",)" +
         R"("validation":{"identification_number":"full_match"}}]})";
}

TEST(DiditPreset, AsksTheIneVigenciaServiceWithItsApiKey) {
  FakeUpstream fake;
  fake.set_reply(json_reply(didit_body("Approved", "MATCH")));
  auto didit = source("didit", "didit", fake);
  didit.auth_value = "didit-key";
  const auto connector = make_http_connector(registry_of({didit}));
  const auto credential = credential_of("E");
  expect_verdict(lookup(*connector, credential), 1, "match");
  const auto received = fake.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].headers.at("x-api-key"), "didit-key");
  const auto body = body_of(received[0]);
  EXPECT_EQ(body.at("issuing_state").as_string(), "MEX");
  EXPECT_EQ(body.at("services").as_array().at(0).as_string(), "mex_ine_vigencia");
  EXPECT_EQ(body.at("cic").as_string(), credential.cic);
  EXPECT_EQ(body.at("identificador_ciudadano").as_string(), credential.citizen_id);
}

TEST(DiditPreset, OutcomeCodesMapOntoTheCatalog) {
  expect_verdict(answer_of("didit", json_reply(didit_body("Approved", "MATCH"))), 1, "MATCH");
  expect_verdict(answer_of("didit", json_reply(didit_body("Declined", "DOCUMENT_NOT_FOUND"))), 21, "not found");
  expect_verdict(answer_of("didit", json_reply(didit_body("Declined", "NO_MATCH"))), 21, "no match");
  expect_verdict(answer_of("didit", json_reply(didit_body("Declined", "DECEASED"))), 13, "deceased");
}

TEST(DiditPreset, InconclusiveCodesErrorsAndMalformedAnswersAreNoVerdict) {
  // Didit's other standard outcome codes say nothing about the credential (the registry
  // did not answer, withheld the record, or the input was wrong), and a code Didit adds
  // later is unknown: none is a verdict.
  for (const char* code :
       {"PARTIAL_MATCH", "INVALID_INPUT", "INVALID_DOCUMENT_FORMAT", "MINOR_BLOCKED", "REGISTRY_UNAVAILABLE",
        "REGISTRY_ERROR", "BIOMETRIC_IMAGE_UNUSABLE", "SOURCE_UNAVAILABLE", "A_CODE_ADDED_LATER", ""}) {
    expect_no_verdict(answer_of("didit", json_reply(didit_body("In Review", code))), code);
  }
  expect_no_verdict(answer_of("didit", json_reply(R"({"detail":"Invalid API key"})", 403)), "403");
  expect_no_verdict(answer_of("didit", json_reply(R"({"status":"Approved","validations":[]})")), "no validations");
  for (const auto& reply : malformed_answers()) {
    expect_no_verdict(answer_of("didit", reply), "malformed: " + reply.body);
  }
}

// A mapping of the operator's own -------------------------------------------------------

TEST(CustomMapping, BodiesAndVerdictFieldsComeFromTheConfiguration) {
  FakeUpstream fake;
  fake.set_handler([](const FakeRequest& request) {
    const auto code = body_of(request).at("id").as_string();
    return json_reply(code == "down" ? R"({"result":{"code":"MANTENIMIENTO"}})" : R"({"result":{"code":"OK"}})");
  });
  auto acme = source("acme", "custom", fake);
  acme.body_eh = R"({"id":"${cic}-${citizen_id}"})";
  acme.body_d = R"({"id":"${cic}","ocr":"${ocr}"})";
  acme.body_c = R"({"id":"${elector_key}","n":"${emission_number}","ocr":"${ocr}"})";
  acme.verdict = std::vector<VerdictField>{{"result.code", Codebook::kNone, {{"ok", 1}, {"mantenimiento", {}}}}};
  const auto connector = make_http_connector(registry_of({acme}));
  const auto credential = credential_of("F");
  expect_verdict(lookup(*connector, credential), 1, "custom OK");
  EXPECT_EQ(body_of(fake.received().back()).at("id").as_string(), credential.cic + "-" + credential.citizen_id);
}

TEST(CustomMapping, AnIncompleteMappingIsRefusedWhenBuilt) {
  SourceOptions acme;
  acme.name = "acme";
  acme.mapping = "custom";
  acme.url = "http://127.0.0.1:9/";
  acme.body_eh = R"({"id":"${cic}"})";
  EXPECT_THROW(make_http_connector(registry_of({acme})), std::invalid_argument);
  acme.mapping = "nufi";
  acme.body_eh = R"({"id":"${clave}"})";  // not an input of any form
  EXPECT_THROW(make_http_connector(registry_of({acme})), std::invalid_argument);
  acme.body_eh = R"({"id":${cic})";  // not JSON
  EXPECT_THROW(make_http_connector(registry_of({acme})), std::invalid_argument);
}

// The answer kept --------------------------------------------------------------------------

// The raw answer a verdict carries (sealed into the result by the pipeline) is the
// vendor's body cut at registry.answer_max_bytes; 0 keeps none.
TEST(AnswerKept, IsTheVendorsBodyCappedAtAnswerMaxBytes) {
  const std::string body = nufi_body(true, "La credencial esta vigente");
  for (const std::size_t cap : {std::size_t{0}, std::size_t{40}, body.size() + 1}) {
    FakeUpstream fake;
    fake.set_reply(json_reply(body));
    auto options = registry_of({source("nufi", "nufi", fake)});
    options.upstream.answer_max_bytes = cap;
    const auto connector = make_http_connector(options);
    const auto outcome = lookup(*connector, credential_of("H"));
    expect_verdict(outcome, 1, "vigente");
    EXPECT_EQ(outcome.answer, body.substr(0, cap)) << "cap " << cap;
  }
}

// Failover ------------------------------------------------------------------------------

TEST(Failover, TheFirstSourceAnswersWhileItIsUp) {
  FakeUpstream first;
  FakeUpstream second;
  const auto connector =
      make_http_connector(registry_of({source("first", "inereg", first), source("second", "inereg", second)}));
  const auto outcome = lookup(*connector, credential_of("H"));
  expect_verdict(outcome, 1, "first");
  EXPECT_EQ(outcome.source, "first");
  EXPECT_EQ(second.requests(), 0);
}

TEST(Failover, ASourceThatIsDownHandsTheLookupToTheNextInOrder) {
  FakeUpstream first;
  FakeUpstream second;
  FakeUpstream third;
  first.set_reply(FakeReply::server_error(503));
  second.set_reply(FakeReply::malformed());
  third.set_reply(FakeReply::situation(19));
  const auto connector = make_http_connector(registry_of(
      {source("first", "inereg", first), source("second", "inereg", second), source("third", "inereg", third)}));
  const auto outcome = lookup(*connector, credential_of("H"));
  expect_verdict(outcome, 19, "third");
  EXPECT_EQ(outcome.source, "third");
  EXPECT_EQ(outcome.answer, R"({"situacion":19})");
  EXPECT_EQ(first.requests(), 2);  // its own retries first (max_attempts)
  EXPECT_EQ(second.requests(), 1);
}

TEST(Failover, AnOpenBreakerSkipsItsSourceWithoutAsking) {
  FakeUpstream first;
  FakeUpstream second;
  first.set_reply(FakeReply::server_error(503));
  auto options = registry_of({source("first", "inereg", first), source("second", "inereg", second)});
  options.upstream.max_attempts = 1;
  options.upstream.breaker.consecutive_failures = 1;
  options.upstream.breaker.open_ms = 600'000;
  const auto connector = make_http_connector(options);
  EXPECT_EQ(lookup(*connector, credential_of("H")).source, "second");  // first fails: its breaker opens
  EXPECT_EQ(first.requests(), 1);
  const auto outcome = lookup(*connector, credential_of("G"));
  expect_verdict(outcome, 1, "second, first's breaker open");
  EXPECT_EQ(outcome.source, "second");
  EXPECT_EQ(first.requests(), 1);  // not asked while open
  EXPECT_EQ(connector->stats().breaker_state, 2);
}

TEST(Failover, NoSourceWithAVerdictIsUnavailableWithEveryReason) {
  FakeUpstream first;
  FakeUpstream second;
  first.set_reply(FakeReply::server_error(503));
  second.set_reply(FakeReply::rate_limited("30"));
  const auto connector =
      make_http_connector(registry_of({source("first", "inereg", first), source("second", "inereg", second)}));
  const auto outcome = lookup(*connector, credential_of("H"));
  EXPECT_EQ(outcome.kind, Kind::kUnavailable);
  EXPECT_EQ(outcome.source, "second");
  EXPECT_NE(outcome.reason.find("first: "), std::string::npos) << outcome.reason;
  EXPECT_NE(outcome.reason.find("second: "), std::string::npos) << outcome.reason;
  EXPECT_FALSE(outcome.retry_after_ms);  // the first source gave no hint: retry on the pipeline's own schedule
}

TEST(Failover, TheOrderMustNameEverySourceOnce) {
  FakeUpstream fake;
  auto options = registry_of({source("a", "inereg", fake), source("b", "inereg", fake)});
  options.order = {"a"};
  EXPECT_THROW(make_http_connector(options), std::invalid_argument);
  options.order = {"a", "b", "a"};
  EXPECT_THROW(make_http_connector(options), std::invalid_argument);
  options.order = {"a", "c"};
  EXPECT_THROW(make_http_connector(options), std::invalid_argument);
  options.order.clear();
  EXPECT_THROW(make_http_connector(options), std::invalid_argument);
  options.order = {"b", "a"};
  EXPECT_NO_THROW(make_http_connector(options));
}

}  // namespace
}  // namespace inereg::registry
