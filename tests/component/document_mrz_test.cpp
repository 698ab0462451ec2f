// verification.document.mrz at POST /v1/sessions (issue 3): the MRZ of the back of an
// INE card becomes the session's credential, checked by every check digit and against
// the typed fields, on both backends.
#include "service_fixture.hpp"

#include "ine/situation.hpp"
#include "registry/registry_file.hpp"

namespace inereg::component {
namespace {

// ine-domain.md §4.4, the worked example (synthetic): CIC 187006412, OCR 0427118903355,
// identificador 118903355, born 1985-04-12, H, vigencia 2033.
constexpr std::string_view kLine1 = "IDMEX1870064127<<0427118903355";
constexpr std::string_view kLine2 = "8504124H3312315MEX<<<<<<<<<<<2";
constexpr std::string_view kLine3 = "PEREZ<GARCIA<<JUAN<CARLOS<<<<<";
constexpr std::string_view kCic = "187006412";
constexpr std::string_view kCitizenId = "118903355";
constexpr std::string_view kOcr = "0427118903355";

std::string mrz_of(std::string_view l1, std::string_view l2, std::string_view l3) {
  return std::string(l1) + "\n" + std::string(l2) + "\n" + std::string(l3);
}

// A create body with an INE document carrying `mrz` and the given extra members.
std::string mrz_body(const std::string& mrz, const std::string& document_extra = "", const std::string& person = "") {
  boost::json::object document{{"country", "MX"}, {"type", "ID_CARD"}, {"mrz", mrz}};
  if (!document_extra.empty()) {
    const boost::json::value extra = boost::json::parse(document_extra);
    for (const auto& [key, value] : extra.as_object()) {
      document[key] = value;
    }
  }
  boost::json::object verification{{"document", document}};
  if (!person.empty()) {
    verification["person"] = boost::json::parse(person);
  }
  return boost::json::serialize(boost::json::object{{"verification", verification}});
}

class DocumentMrzTest : public ComponentTest {
 protected:
  // The worked example's credential in the registry, as model H with `situation`.
  void register_example(int situation) {
    registry::RegistryRow row;
    row.model = "H";
    row.credential.cic = std::string(kCic);
    row.credential.citizen_id = std::string(kCitizenId);
    row.situation = situation;
    const std::vector<store::RegistryEntry> entries = {registry::to_registry_entry(row)};
    service().store().upsert_registry_entries(entries);
  }

  // A 400 1104 whose message names the MRZ field (and `also`), echoing none of its data.
  void expect_mrz_refused(const HttpReply& reply, std::string_view also) {
    expect_error(reply, 400, "1104");
    const std::string message = text_of(parse_object(reply.body).at("message"));
    EXPECT_NE(message.find("verification.document.mrz"), std::string::npos) << message;
    EXPECT_NE(message.find(also), std::string::npos) << message;
    for (const std::string_view personal :
         {kCic, kCitizenId, std::string_view("850412"), std::string_view("PEREZ"), std::string_view("0427")}) {
      EXPECT_EQ(message.find(personal), std::string::npos) << "message echoes MRZ data: " << message;
    }
  }
};

TEST_F(DocumentMrzTest, ValidMrzBecomesTheCredentialTheRegistryIsAskedAbout) {
  for (const int situation : {ine::kSituationVigente, 13}) {
    SCOPED_TRACE(situation);
    register_example(situation);
    const std::string id = client_->create_and_submit(mrz_body(mrz_of(kLine1, kLine2, kLine3)));
    const HttpReply reply = client_->wait_ine_registry(id);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto policy = ine::policy_for_situation(situation);
    ASSERT_TRUE(policy);
    boost::json::object expected{{"active", policy->active}, {"documentState", std::string(policy->document_state)}};
    EXPECT_EQ(parse_object(reply.body), expected);
    // The identifiers the MRZ carries are the session's, as Veriff shows extracted data.
    const auto person = parse_object(client_->person(id).body).at("person").as_object();
    EXPECT_EQ(text_of(person.at("ineIdentifier")), kCitizenId);
    EXPECT_EQ(text_of(person.at("ifeIdentifier")), kOcr);
  }
}

TEST_F(DocumentMrzTest, CrLfLineBreaksAndAgreeingTypedFieldsAreAccepted) {
  register_example(ine::kSituationVigente);
  const std::string crlf = std::string(kLine1) + "\r\n" + std::string(kLine2) + "\r\n" + std::string(kLine3) + "\r\n";
  // The CIC typed in document.number and the identificador typed in person agree.
  const std::string id =
      client_->create_and_submit(mrz_body(crlf, R"({"number":"187006412"})", R"({"ineIdentifier":"118903355"})"));
  const HttpReply reply = client_->wait_ine_registry(id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(parse_object(reply.body).at("active"), true);
}

TEST_F(DocumentMrzTest, EveryKindOfBadMrzIs400NamingTheFieldAndTheRule) {
  auto with = [](std::string line, std::size_t position, char c) {
    line[position] = c;
    return line;
  };
  const std::string l1(kLine1), l2(kLine2), l3(kLine3);
  const struct {
    std::string label;
    std::string mrz;
    std::string rule;  // the parser's stable error code, named in the message
  } cases[] = {
      {"CIC check digit", mrz_of(with(l1, 14, '8'), l2, l3), "cic_check_digit"},
      {"birth-date check digit", mrz_of(l1, with(l2, 6, '5'), l3), "birth_date_check_digit"},
      {"expiry check digit", mrz_of(l1, with(l2, 14, '6'), l3), "expiry_date_check_digit"},
      {"composite check digit", mrz_of(l1, with(l2, 29, '3'), l3), "composite_check_digit"},
      {"a digit of the OCR block changed", mrz_of(with(l1, 20, '8'), l2, l3), "composite_check_digit"},
      {"short line", mrz_of(l1.substr(0, 29), l2, l3), "line_length"},
      {"two lines", std::string(kLine1) + "\n" + std::string(kLine2), "line_count"},
      {"lower case", mrz_of(l1, l2, "perez<garcia<<juan<carlos<<<<<"), "lower_case"},
      {"filler in a digit slot", mrz_of(with(l1, 7, '<'), l2, l3), "not_a_digit"},
      {"not an INE card", mrz_of(with(l1, 2, 'U'), l2, l3), "document_type"},
      {"space", mrz_of(with(l1, 16, ' '), l2, l3), "invalid_character"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    expect_mrz_refused(client_->post_session(mrz_body(c.mrz)), c.rule);
  }
}

TEST_F(DocumentMrzTest, MrzThatIsNotAStringIs400) {
  const HttpReply reply =
      client_->post_session(R"({"verification":{"document":{"country":"MX","type":"ID_CARD","mrz":["IDMEX"]}}})");
  expect_error(reply, 400, "1104");
  EXPECT_NE(reply.body.find("document.mrz"), std::string::npos) << reply.body;
}

TEST_F(DocumentMrzTest, TypedFieldsThatContradictTheMrzAre400NamingThem) {
  const std::string mrz = mrz_of(kLine1, kLine2, kLine3);
  // Another valid CIC (check digits are not part of the typed form).
  expect_mrz_refused(client_->post_session(mrz_body(mrz, R"({"number":"187006413"})")), "verification.document.number");
  expect_mrz_refused(client_->post_session(mrz_body(mrz, "", R"({"ineIdentifier":"118903356"})")),
                     "verification.person.ineIdentifier");
  expect_mrz_refused(client_->post_session(mrz_body(mrz, "", R"({"ifeIdentifier":"0427118903356"})")),
                     "verification.person.ifeIdentifier");
  // A CURP (valid check digit) of someone born on another day.
  expect_mrz_refused(client_->post_session(mrz_body(mrz, "", R"({"idNumber":"IAGS941025HCLBMR07"})")),
                     "verification.person.idNumber");
  // Two disagreements at once: both are named.
  const HttpReply both =
      client_->post_session(mrz_body(mrz, R"({"number":"187006413"})", R"({"ineIdentifier":"118903356"})"));
  expect_mrz_refused(both, "verification.document.number");
  EXPECT_NE(both.body.find("verification.person.ineIdentifier"), std::string::npos) << both.body;
}

TEST_F(DocumentMrzTest, MrzOfANonIneDocumentIsStoredUnchecked) {
  const HttpReply reply = client_->post_session(
      R"({"verification":{"document":{"country":"US","type":"PASSPORT","mrz":"not an INE MRZ"}}})");
  EXPECT_EQ(reply.status, 201) << reply.body;
}

}  // namespace
}  // namespace inereg::component
