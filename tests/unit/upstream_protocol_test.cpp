#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ine/message_codes.hpp"
#include "ine/situation.hpp"
#include "registry/configured_mapping.hpp"
#include "registry/registry_file.hpp"
#include "registry/upstream_protocol.hpp"

// inereg's own protocol of docs/UPSTREAM.md (the "inereg" preset mapping): request per
// lookup form, answers → catalog.
namespace inereg::registry {
namespace {

const ConfiguredMapping& inereg_mapping() {
  static const ConfiguredMapping mapping(*preset_mapping("inereg"));
  return mapping;
}

std::string upstream_request_body(const ine::LookupKey& key) {
  return inereg_mapping().request_body(key);
}

// What a 200 application/json answer with this body says.
struct UpstreamAnswer {
  std::optional<int> situation;
  std::string problem;
};

UpstreamAnswer parse_upstream_answer(std::string_view body) {
  const auto outcome = inereg_mapping().read_reply({200, "application/json", body});
  if (outcome.kind == LookupOutcome::Kind::kVerdict) {
    return {outcome.situation, {}};
  }
  EXPECT_EQ(outcome.cause, LookupOutcome::Cause::kNoVerdict) << body;
  return {std::nullopt, outcome.reason};
}

boost::json::object parsed(const std::string& body) {
  return boost::json::parse(body).as_object();
}

ine::LookupKey key_of(const RegistryRow& row) {
  return *ine::lookup_key(*ine::form_for_model(row.model), row.credential);
}

TEST(UpstreamRequest, ModelsEToHSendCicAndIdCiudadano) {
  SyntheticRegistry synthetic(1);
  for (const char* model : {"E", "F", "G", "H"}) {
    const auto row = synthetic.make(model, 1);
    const auto body = parsed(upstream_request_body(key_of(row)));
    EXPECT_EQ(body.size(), 3u) << model;
    EXPECT_EQ(body.at("form").as_string(), "EH");
    EXPECT_EQ(body.at("cic").as_string(), row.credential.cic);
    EXPECT_EQ(body.at("idCiudadano").as_string(), row.credential.citizen_id);
  }
}

TEST(UpstreamRequest, ModelDSendsCicAndOcr) {
  const auto row = SyntheticRegistry(2).make("D", 1);
  const auto body = parsed(upstream_request_body(key_of(row)));
  EXPECT_EQ(body.size(), 3u);
  EXPECT_EQ(body.at("form").as_string(), "D");
  EXPECT_EQ(body.at("cic").as_string(), row.credential.cic);
  EXPECT_EQ(body.at("ocr").as_string(), row.credential.ocr);
}

TEST(UpstreamRequest, ModelCSendsClaveEmisionAndOcr) {
  const auto row = SyntheticRegistry(3).make("C", 1);
  const auto body = parsed(upstream_request_body(key_of(row)));
  EXPECT_EQ(body.size(), 4u);
  EXPECT_EQ(body.at("form").as_string(), "C");
  EXPECT_EQ(body.at("claveElector").as_string(), row.credential.elector_key);
  EXPECT_EQ(body.at("numeroEmision").as_string(), row.credential.emission_number);
  EXPECT_EQ(body.at("ocr").as_string(), row.credential.ocr);
}

TEST(UpstreamRequest, ServersReadBackTheCanonicalKeyOfEveryModel) {
  SyntheticRegistry synthetic(4);
  for (const char* model : {"C", "D", "E", "F", "G", "H"}) {
    const auto key = key_of(synthetic.make(model, 1));
    EXPECT_EQ(canonical_key_from_request(upstream_request_body(key)), key.canonical) << model;
  }
}

TEST(UpstreamRequest, MalformedRequestsHaveNoKey) {
  for (const char* body :
       {"", "[]", "{\"form\":\"EH\"}", "{\"form\":\"EH\",\"cic\":\"12345678\",\"idCiudadano\":\"123456789\"}",
        "{\"form\":\"Z\",\"cic\":\"123456789\"}", "{\"form\":\"D\",\"cic\":\"123456789\",\"ocr\":12}"}) {
    EXPECT_FALSE(canonical_key_from_request(body)) << body;
  }
}

TEST(UpstreamAnswer, SituationIdOrNameIsAVerdict) {
  EXPECT_EQ(parse_upstream_answer(R"({"situacion":1})").situation, 1);
  EXPECT_EQ(parse_upstream_answer(R"({"situacion":"21"})").situation, 21);
  EXPECT_EQ(parse_upstream_answer(R"({"situacion":"REPORTE_DE_ROBO"})").situation, 19);
  EXPECT_EQ(parse_upstream_answer(upstream_answer_body(35)).situation, 35);
}

TEST(UpstreamAnswer, SituacionWinsOverClaveMensaje) {
  EXPECT_EQ(parse_upstream_answer(R"({"situacion":13,"claveMensaje":"3"})").situation, 13);
}

TEST(UpstreamAnswer, VendorCodesGoThroughTheCatalog) {
  // §5.5 codes → §5.4 situations → the one policy table.
  const std::vector<std::pair<std::string, int>> cases = {{"3", 1},  {"11", 1}, {"9", 1},  {"12", 3}, {"0", 21},
                                                          {"5", 21}, {"6", 21}, {"7", 21}, {"8", 21}, {"1", 11}};
  for (const auto& [code, situation] : cases) {
    const auto answer = parse_upstream_answer(R"({"claveMensaje":")" + code + R"("})");
    ASSERT_EQ(answer.situation, situation) << code;
    EXPECT_TRUE(ine::policy_for_situation(situation)) << code;
  }
  EXPECT_EQ(parse_upstream_answer(R"({"claveMensaje":3})").situation, 1);
  EXPECT_TRUE(ine::policy_for_situation(1)->active);
  EXPECT_FALSE(ine::policy_for_situation(21)->active);
}

TEST(UpstreamAnswer, AnythingElseIsAProblemNotAVerdict) {
  for (const char* body :
       {"", "not json", "{\"situacion\": 1,", "[1]", "{}", "{\"situacion\":99}", "{\"situacion\":-1}",
        "{\"situacion\":\"VIGENT\"}", "{\"situacion\":null}", "{\"situacion\":1.5}", "{\"claveMensaje\":\"4\"}",
        "{\"claveMensaje\":\"2\"}", "{\"claveMensaje\":\"03x\"}", "{\"mensaje\":\"Esta vigente\"}"}) {
    const auto answer = parse_upstream_answer(body);
    EXPECT_FALSE(answer.situation) << body;
    EXPECT_FALSE(answer.problem.empty()) << body;
  }
}

TEST(IneregMapping, OnlyA200JsonAnswerIsReadAndAnythingElseIsNoVerdict) {
  const auto& mapping = inereg_mapping();
  const auto vigente = mapping.read_reply({200, "application/json; charset=utf-8", R"({"situacion":1})"});
  EXPECT_EQ(vigente.kind, LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(vigente.situation, 1);
  for (const UpstreamReply& reply :
       {UpstreamReply{404, "application/json", R"({"situacion":21})"}, UpstreamReply{401, "application/json", "{}"},
        UpstreamReply{200, "text/html", R"({"situacion":1})"},
        UpstreamReply{200, "application/json", R"({"claveMensaje":"4"})"},
        UpstreamReply{200, "application/json", "not json"}}) {
    const auto outcome = mapping.read_reply(reply);
    EXPECT_EQ(outcome.kind, LookupOutcome::Kind::kUnavailable) << reply.status << " " << reply.body;
    EXPECT_EQ(outcome.cause, LookupOutcome::Cause::kNoVerdict) << reply.status << " " << reply.body;
    EXPECT_FALSE(outcome.reason.empty());
  }
}

TEST(MessageCodes, ServiceErrorIsKnownButNotAVerdict) {
  const auto meaning = ine::meaning_of_message_code(4);
  ASSERT_TRUE(meaning);
  EXPECT_FALSE(meaning->situation);
  EXPECT_FALSE(ine::meaning_of_message_code(2));
}

TEST(RetryAfter, DeltaSecondsAndHttpDate) {
  constexpr std::int64_t kNow = 1'445'412'480'000;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after_ms("120", kNow), 120'000);
  EXPECT_EQ(parse_retry_after_ms(" 0 ", kNow), 0);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:30 GMT", kNow), 30'000);
  EXPECT_EQ(parse_retry_after_ms("Wed, 21 Oct 2015 07:27:00 GMT", kNow), 0);  // in the past
  EXPECT_FALSE(parse_retry_after_ms("", kNow));
  EXPECT_FALSE(parse_retry_after_ms("-5", kNow));
  EXPECT_FALSE(parse_retry_after_ms("soon", kNow));
  EXPECT_FALSE(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:30", kNow));
}

}  // namespace
}  // namespace inereg::registry
