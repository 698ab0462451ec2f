#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "ine/check_digits.hpp"
#include "ine/credential.hpp"
#include "ine/identifiers.hpp"

// Identifier formats (ine-domain.md §3) and credential parsing. All values are synthetic:
// the CIC and OCR of the worked MRZ example (§4.4) and made-up claves de elector.
namespace inereg::ine {
namespace {

constexpr std::string_view kCic = "187006412";
constexpr std::string_view kOcr = "0427118903355";
constexpr std::string_view kCitizenId = "118903355";  // last 9 OCR digits
constexpr std::string_view kElectorKey = "PRGRJN85041209H100";
constexpr std::string_view kCurp = "PEGJ850412HDFRRN06";

// A CURP with a correct check digit, so only the property under test can fail.
std::string with_check_digit(std::string_view first17) {
  const auto digit = curp_check_digit(first17);
  EXPECT_TRUE(digit.has_value()) << first17;
  return std::string(first17) + static_cast<char>('0' + digit.value_or(0));
}

// --- normalize_identifier ---------------------------------------------------

TEST(NormalizeIdentifier, RemovesSpacesDashesAndDots) {
  EXPECT_EQ(normalize_identifier("1870 064-12"), "187006412");
  EXPECT_EQ(normalize_identifier(" 0427.1189.0335 5 "), "0427118903355");
  EXPECT_EQ(normalize_identifier("18\t70"), "1870");
}

TEST(NormalizeIdentifier, UpperCasesLetters) {
  EXPECT_EQ(normalize_identifier("prgrjn85041209h100"), "PRGRJN85041209H100");
  EXPECT_EQ(normalize_identifier("pegj-850412-hdfrrn-06"), "PEGJ850412HDFRRN06");
}

TEST(NormalizeIdentifier, EnyeBecomesX) {
  EXPECT_EQ(normalize_identifier("MU\xC3\x91O850412"), "MUXO850412");  // Ñ
  EXPECT_EQ(normalize_identifier("mu\xC3\xb1o"), "MUXO");              // ñ
  EXPECT_EQ(normalize_identifier("\xC3\x89"), "\xC3\x89");             // É is not repaired: the validators reject it
}

TEST(NormalizeIdentifier, RepairsNothingElse) {
  EXPECT_EQ(normalize_identifier("18700641O"), "18700641O");  // letter O stays a letter
  EXPECT_EQ(normalize_identifier(""), "");
  EXPECT_EQ(normalize_identifier(" - . "), "");
}

// --- numeric identifiers ----------------------------------------------------

TEST(IsCic, ExactlyNineDigits) {
  EXPECT_TRUE(is_cic(kCic));
  EXPECT_FALSE(is_cic("18700641"));
  EXPECT_FALSE(is_cic("1870064120"));
  EXPECT_FALSE(is_cic("18700641A"));
  EXPECT_FALSE(is_cic(""));
}

TEST(IsCitizenId, ExactlyNineDigits) {
  EXPECT_TRUE(is_citizen_id(kCitizenId));
  EXPECT_FALSE(is_citizen_id("11890335"));
  EXPECT_FALSE(is_citizen_id("11890335 "));
}

TEST(IsOcr, ExactlyThirteenDigits) {
  EXPECT_TRUE(is_ocr(kOcr));
  EXPECT_FALSE(is_ocr("042711890335"));
  EXPECT_FALSE(is_ocr("04271189033550"));
  EXPECT_FALSE(is_ocr("042711890335X"));
}

TEST(IsEmissionNumber, OneOrTwoDigits) {
  EXPECT_TRUE(is_emission_number("1"));
  EXPECT_TRUE(is_emission_number("01"));
  EXPECT_TRUE(is_emission_number("00"));
  EXPECT_FALSE(is_emission_number(""));
  EXPECT_FALSE(is_emission_number("001"));
  EXPECT_FALSE(is_emission_number("A"));
}

TEST(PadEmissionNumber, PadsOneDigitToTwo) {
  EXPECT_EQ(pad_emission_number("1"), "01");
  EXPECT_EQ(pad_emission_number("12"), "12");
}

// --- clave de elector -------------------------------------------------------

TEST(IsElectorKey, AcceptsValidKeys) {
  EXPECT_TRUE(is_elector_key(kElectorKey));
  EXPECT_TRUE(is_elector_key("HRGRJN82050602H900"));  // Sayari's published fictional example
  EXPECT_TRUE(is_elector_key("PRGRJN85123132M001"));  // last month, last day, last state
}

TEST(IsElectorKey, RejectsImpossibleDates) {
  EXPECT_FALSE(is_elector_key("PRGRJN85131209H100"));  // month 13
  EXPECT_FALSE(is_elector_key("PRGRJN85001209H100"));  // month 00
  EXPECT_FALSE(is_elector_key("PRGRJN85043209H100"));  // day 32
  EXPECT_FALSE(is_elector_key("PRGRJN85040009H100"));  // day 00
}

TEST(IsElectorKey, RejectsDaysTheMonthDoesNotHave) {
  EXPECT_FALSE(is_elector_key("PRGRJN85023009H100"));  // 30 February
  EXPECT_FALSE(is_elector_key("PRGRJN85043109H100"));  // 31 April
  EXPECT_FALSE(is_elector_key("PRGRJN85022909H100"));  // 29 February 1985
  EXPECT_TRUE(is_elector_key("PRGRJN84022909H100"));   // 29 February 1984
}

TEST(IsYymmddDate, CalendarDaysOnly) {
  EXPECT_TRUE(is_yymmdd_date("850412"));
  EXPECT_TRUE(is_yymmdd_date("001231"));
  EXPECT_TRUE(is_yymmdd_date("000229"));
  EXPECT_FALSE(is_yymmdd_date("010229"));
  EXPECT_FALSE(is_yymmdd_date("851131"));
  EXPECT_FALSE(is_yymmdd_date("85041"));
  EXPECT_FALSE(is_yymmdd_date("85O412"));
}

TEST(IsElectorKey, StateCodesOneToThirtyTwoAndEightySevenEightyEight) {
  EXPECT_FALSE(is_elector_key("PRGRJN85041233H100"));
  EXPECT_FALSE(is_elector_key("PRGRJN85041200H100"));
  EXPECT_FALSE(is_elector_key("PRGRJN85041286H100"));
  EXPECT_TRUE(is_elector_key("PRGRJN85041287H100"));
  EXPECT_TRUE(is_elector_key("PRGRJN85041288M100"));
}

TEST(IsElectorKey, SexMustBeHOrM) {
  EXPECT_TRUE(is_elector_key("PRGRJN85041209M100"));
  EXPECT_FALSE(is_elector_key("PRGRJN85041209X100"));
}

TEST(IsElectorKey, RejectsWrongShape) {
  EXPECT_FALSE(is_elector_key("PRGRJN85041209H10"));
  EXPECT_FALSE(is_elector_key("PRGRJN85041209H1000"));
  EXPECT_FALSE(is_elector_key("PRGRJ185041209H100"));
  EXPECT_FALSE(is_elector_key("prgrjn85041209h100"));
  EXPECT_FALSE(is_elector_key("PRGRJN85041209H10A"));
}

// --- CURP -------------------------------------------------------------------

TEST(IsCurp, AcceptsTheWorkedExample) {
  EXPECT_TRUE(is_curp(kCurp));
  EXPECT_TRUE(is_curp(with_check_digit("HECA900101HDFRRL0")));
}

TEST(IsCurp, RejectsWrongCheckDigit) {
  EXPECT_FALSE(is_curp("PEGJ850412HDFRRN07"));
  EXPECT_FALSE(is_curp("HECA900101HDFRRL09"));  // Veriff's MX-TC01: computes to 6
}

TEST(IsCurp, RejectsBadStateCodeEvenWithCorrectCheckDigit) {
  EXPECT_FALSE(is_curp(with_check_digit("PEGJ850412HXXRRN0")));
  EXPECT_TRUE(is_curp(with_check_digit("PEGJ850412HNERRN0")));  // NE = born abroad
}

TEST(IsCurp, RejectsOtherPatternViolationsEvenWithCorrectCheckDigit) {
  EXPECT_FALSE(is_curp(with_check_digit("PBGJ850412HDFRRN0")));  // 2nd letter not a vowel/X
  EXPECT_FALSE(is_curp(with_check_digit("PEGJ851312HDFRRN0")));  // month 13
  EXPECT_FALSE(is_curp(with_check_digit("PEGJ850230HDFRRN0")));  // 30 February
  EXPECT_FALSE(is_curp(with_check_digit("PEGJ850412QDFRRN0")));  // sex
  EXPECT_FALSE(is_curp(with_check_digit("PEGJ850412HDFARN0")));  // vowel among the consonants
}

TEST(IsCurp, RejectsLowerCaseUnlessNormalized) {
  EXPECT_FALSE(is_curp("pegj850412hdfrrn06"));
  EXPECT_TRUE(is_curp(normalize_identifier("pegj850412hdfrrn06")));
}

// --- parse_credential -------------------------------------------------------

using Field = std::optional<std::string> CredentialFields::*;

CredentialFields fields_with(std::initializer_list<std::pair<Field, std::string_view>> values) {
  CredentialFields fields;
  for (const auto& [field, value] : values) {
    fields.*field = std::string(value);
  }
  return fields;
}

CredentialError error_of(const CredentialParse& parse) {
  EXPECT_FALSE(parse.credential.has_value());
  EXPECT_TRUE(parse.error.has_value());
  return parse.error.value_or(CredentialError{"<no error>", ""});
}

TEST(ParseCredential, DocumentNumberIsRoutedByLength) {
  const auto cic = parse_credential(fields_with({{&CredentialFields::document_number, kCic}}));
  ASSERT_TRUE(cic.credential);
  EXPECT_EQ(cic.credential->cic, kCic);
  EXPECT_TRUE(cic.credential->ocr.empty());

  const auto ocr = parse_credential(fields_with({{&CredentialFields::document_number, kOcr}}));
  ASSERT_TRUE(ocr.credential);
  EXPECT_EQ(ocr.credential->ocr, kOcr);
  EXPECT_TRUE(ocr.credential->cic.empty());

  const auto key = parse_credential(fields_with({{&CredentialFields::document_number, kElectorKey}}));
  ASSERT_TRUE(key.credential);
  EXPECT_EQ(key.credential->elector_key, kElectorKey);
}

TEST(ParseCredential, NormalizesBeforeValidating) {
  const auto parse = parse_credential(fields_with({{&CredentialFields::document_number, "1870 064-12"},
                                                   {&CredentialFields::ine_identifier, "118.903.355"},
                                                   {&CredentialFields::elector_number, "prgrjn 85041209 h100"},
                                                   {&CredentialFields::id_number, "pegj850412hdfrrn06"}}));
  ASSERT_TRUE(parse.credential) << parse.error->message;
  EXPECT_EQ(parse.credential->cic, kCic);
  EXPECT_EQ(parse.credential->citizen_id, kCitizenId);
  EXPECT_EQ(parse.credential->elector_key, kElectorKey);
  EXPECT_EQ(parse.credential->curp, kCurp);
}

TEST(ParseCredential, EachMalformedFieldIsNamed) {
  struct Case {
    Field field;
    std::string_view value;
    std::string_view path;
  };
  const Case cases[] = {
      {&CredentialFields::document_number, "12345", "document.number"},
      {&CredentialFields::document_number, "PRGRJN85131209H100", "document.number"},
      {&CredentialFields::ine_identifier, "11890335X", "person.ineIdentifier"},
      {&CredentialFields::ife_identifier, "042711890335", "person.ifeIdentifier"},
      {&CredentialFields::elector_number, "PRGRJN85041233H100", "person.electorNumber"},
      {&CredentialFields::issue_number, "123", "document.issueNumber"},
      {&CredentialFields::id_number, "HECA900101HDFRRL09", "person.idNumber"},
  };
  for (const auto& c : cases) {
    const CredentialError error = error_of(parse_credential(fields_with({{c.field, c.value}})));
    EXPECT_EQ(error.field, c.path);
    EXPECT_NE(error.message.find(c.path), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find(c.value), std::string::npos) << "message echoes the value: " << error.message;
  }
}

TEST(ParseCredential, OcrInDocumentNumberContradictingIfeIdentifierIsAnError) {
  const CredentialError error = error_of(parse_credential(
      fields_with({{&CredentialFields::document_number, kOcr}, {&CredentialFields::ife_identifier, "0427118903356"}})));
  EXPECT_EQ(error.field, "person.ifeIdentifier");
}

TEST(ParseCredential, ElectorKeyInDocumentNumberContradictingElectorNumberIsAnError) {
  const CredentialError error = error_of(parse_credential(fields_with(
      {{&CredentialFields::document_number, kElectorKey}, {&CredentialFields::elector_number, "PRGRJN85041209H101"}})));
  EXPECT_EQ(error.field, "person.electorNumber");
}

TEST(ParseCredential, TheSameValueInTwoFieldsIsNoContradiction) {
  const auto parse = parse_credential(fields_with(
      {{&CredentialFields::document_number, "0427-1189-0335-5"}, {&CredentialFields::ife_identifier, kOcr}}));
  ASSERT_TRUE(parse.credential);
  EXPECT_EQ(parse.credential->ocr, kOcr);
}

TEST(ParseCredential, EmptyAndWhitespaceFieldsAreAbsent) {
  const auto parse = parse_credential(fields_with({{&CredentialFields::document_number, ""},
                                                   {&CredentialFields::ine_identifier, " "},
                                                   {&CredentialFields::ife_identifier, "   "},
                                                   {&CredentialFields::elector_number, ""},
                                                   {&CredentialFields::issue_number, " "},
                                                   {&CredentialFields::id_number, ""}}));
  ASSERT_TRUE(parse.credential);
  EXPECT_FALSE(parse.error);
  EXPECT_TRUE(parse.credential->cic.empty());
  EXPECT_TRUE(parse.credential->ocr.empty());
  EXPECT_TRUE(parse.credential->emission_number.empty());
  EXPECT_TRUE(parse.credential->curp.empty());
  EXPECT_FALSE(parse.credential->has_lookup_data());
}

TEST(ParseCredential, NoFieldsGiveAnEmptyCredential) {
  const auto parse = parse_credential(CredentialFields{});
  ASSERT_TRUE(parse.credential);
  EXPECT_FALSE(parse.credential->has_lookup_data());
}

TEST(ParseCredential, IssueNumberIsPaddedToTwoDigits) {
  const auto parse = parse_credential(fields_with({{&CredentialFields::issue_number, "1"}}));
  ASSERT_TRUE(parse.credential);
  EXPECT_EQ(parse.credential->emission_number, "01");
}

// --- lookup keys ------------------------------------------------------------

using Member = std::string Credential::*;

Credential credential_with(std::initializer_list<std::pair<Member, std::string_view>> values) {
  Credential credential;
  for (const auto& [member, value] : values) {
    credential.*member = std::string(value);
  }
  return credential;
}

TEST(LookupKeys, CicWithOcrGivesTheEhKeyFromTheLastNineOcrDigitsThenTheDKey) {
  const Credential c = credential_with({{&Credential::cic, kCic}, {&Credential::ocr, kOcr}});
  const auto keys = lookup_keys(c);
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].form, LookupForm::kCicCitizenId);
  EXPECT_EQ(keys[0].canonical, "EH|187006412|118903355");
  EXPECT_EQ(keys[1].form, LookupForm::kCicOcr);
  EXPECT_EQ(keys[1].canonical, "D|187006412|0427118903355");
  EXPECT_TRUE(c.has_lookup_data());
}

TEST(LookupKeys, AnExplicitCitizenIdWinsOverTheOcrDerivedOne) {
  const auto keys = lookup_keys(
      credential_with({{&Credential::cic, kCic}, {&Credential::citizen_id, "999999999"}, {&Credential::ocr, kOcr}}));
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0].canonical, "EH|187006412|999999999");
}

TEST(LookupKeys, CicWithCitizenIdGivesOnlyTheEhKey) {
  const auto keys = lookup_keys(credential_with({{&Credential::cic, kCic}, {&Credential::citizen_id, kCitizenId}}));
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0].canonical, "EH|187006412|118903355");
}

TEST(LookupKeys, ModelCKeyNeedsElectorKeyEmissionAndOcr) {
  const auto keys = lookup_keys(credential_with(
      {{&Credential::ocr, kOcr}, {&Credential::elector_key, kElectorKey}, {&Credential::emission_number, "01"}}));
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0].form, LookupForm::kElectorKeyEmissionOcr);
  EXPECT_EQ(keys[0].canonical, "C|PRGRJN85041209H100|01|0427118903355");

  EXPECT_TRUE(
      lookup_keys(credential_with({{&Credential::ocr, kOcr}, {&Credential::elector_key, kElectorKey}})).empty());
  EXPECT_TRUE(
      lookup_keys(credential_with({{&Credential::elector_key, kElectorKey}, {&Credential::emission_number, "01"}}))
          .empty());
}

TEST(LookupKeys, CicAloneGivesNone) {
  const Credential c = credential_with({{&Credential::cic, kCic}});
  EXPECT_TRUE(lookup_keys(c).empty());
  EXPECT_FALSE(c.has_lookup_data());
}

TEST(LookupKey, MissingInputGivesNullopt) {
  const Credential c = credential_with({{&Credential::cic, kCic}, {&Credential::ocr, kOcr}});
  EXPECT_EQ(lookup_key(LookupForm::kCicCitizenId, c), std::nullopt);  // no derivation here
  ASSERT_TRUE(lookup_key(LookupForm::kCicOcr, c));
  EXPECT_EQ(lookup_key(LookupForm::kElectorKeyEmissionOcr, c), std::nullopt);
}

TEST(FormForModel, MapsEachCardModelToItsLookupForm) {
  EXPECT_EQ(form_for_model("C"), LookupForm::kElectorKeyEmissionOcr);
  EXPECT_EQ(form_for_model("D"), LookupForm::kCicOcr);
  for (const auto* model : {"E", "F", "G", "H"}) {
    EXPECT_EQ(form_for_model(model), LookupForm::kCicCitizenId) << model;
  }
}

TEST(FormForModel, UnknownModelsGiveNullopt) {
  for (const auto* model : {"", "A", "B", "I", "c", "EH", " D"}) {
    EXPECT_EQ(form_for_model(model), std::nullopt) << '"' << model << '"';
  }
}

}  // namespace
}  // namespace inereg::ine
