#include <gtest/gtest.h>

#include <string>

#include "ine/check_digits.hpp"
#include "ine/credential.hpp"
#include "ine/mrz.hpp"
#include "ine/mrz_repair.hpp"

// The MRZ parser (ine-domain.md §4) and the OCR reading path's repairs. All data are
// synthetic: the worked example of §4.4 and variations of it with recomputed check digits.
namespace inereg::ine {
namespace {

constexpr std::string_view kWorkedExample =
    "IDMEX1870064127<<0427118903355\n"
    "8504124H3312315MEX<<<<<<<<<<<2\n"
    "PEREZ<GARCIA<<JUAN<CARLOS<<<<<";

// The fields of a synthetic MRZ; build() computes every check digit so that a test can
// break exactly one thing.
struct MrzFields {
  std::string cic = "187006412";
  std::string ocr = "0427118903355";
  std::string birth = "850412";
  char sex = 'H';
  std::string expiry = "331231";
  std::string optional = "<<<<<<<<<<<";
  std::string names = "PEREZ<GARCIA<<JUAN<CARLOS";

  static char digit(std::string_view field) { return static_cast<char>('0' + icao_check_digit(field).value()); }

  std::string line1() const { return "IDMEX" + cic + digit(cic) + "<<" + ocr; }
  std::string line2() const {
    const std::string head = birth + digit(birth);
    const std::string middle = expiry + digit(expiry);
    const std::string composite = line1().substr(5) + head + middle + optional;
    return head + sex + middle + "MEX" + optional + digit(composite);
  }
  std::string line3() const { return names + std::string(30 - names.size(), '<'); }
  std::string text() const { return line1() + "\n" + line2() + "\n" + line3(); }
};

std::string text_of(const std::string& l1, const std::string& l2, const std::string& l3) {
  return l1 + "\n" + l2 + "\n" + l3;
}

MrzError error_of(const MrzParse& parse) {
  EXPECT_FALSE(parse.ok());
  EXPECT_TRUE(parse.error.has_value());
  return parse.error.value_or(MrzError{MrzErrorKind::kLineCount, -1, -1, "<no error>"});
}

// The message may name positions and fields but never carry the MRZ's data.
void expect_no_personal_data(const MrzError& error) {
  for (const std::string_view secret : {"187006412", "0427118903355", "118903355", "850412", "PEREZ", "JUAN"}) {
    EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
  }
}

// --- the worked example -----------------------------------------------------

TEST(ParseMrz, WorkedExampleGivesEveryField) {
  const auto parse = parse_mrz(kWorkedExample);
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  const Mrz& mrz = *parse.mrz;
  EXPECT_EQ(mrz.cic, "187006412");
  EXPECT_EQ(mrz.cic_check_digit, '7');
  EXPECT_EQ(mrz.ocr, "0427118903355");
  EXPECT_EQ(mrz.citizen_id, "118903355");
  EXPECT_EQ(mrz.birth_date, "850412");
  EXPECT_EQ(mrz.sex, 'H');
  EXPECT_EQ(mrz.expiry_date, "331231");
  EXPECT_EQ(mrz.vigencia_year, 2033);
  EXPECT_EQ(mrz.optional_data, "<<<<<<<<<<<");
  EXPECT_EQ(mrz.surnames, "PEREZ GARCIA");
  EXPECT_EQ(mrz.given_names, "JUAN CARLOS");
  EXPECT_EQ(mrz.line1 + "\n" + mrz.line2 + "\n" + mrz.line3, kWorkedExample);
}

TEST(ParseMrz, WorkedExampleWithOptionalDataHasCompositeSix) {
  const auto parse = parse_mrz(
      text_of("IDMEX1870064127<<0427118903355", "8504124H3312315MEX<01<<12345<6", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<"));
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  EXPECT_EQ(parse.mrz->optional_data, "<01<<12345<");
}

TEST(ParseMrz, TheBuilderReproducesTheWorkedExample) {
  EXPECT_EQ(MrzFields{}.text(), kWorkedExample);
}

TEST(ParseMrz, FemaleAndBlankNameLine) {
  MrzFields fields;
  fields.sex = 'M';
  fields.names = "";
  const auto parse = parse_mrz(fields.text());
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  EXPECT_EQ(parse.mrz->sex, 'M');
  EXPECT_EQ(parse.mrz->surnames, "");
  EXPECT_EQ(parse.mrz->given_names, "");
}

TEST(ParseMrz, SurnameOnlyNameLine) {
  MrzFields fields;
  fields.names = "PEREZ";
  const auto parse = parse_mrz(fields.text());
  ASSERT_TRUE(parse.ok());
  EXPECT_EQ(parse.mrz->surnames, "PEREZ");
  EXPECT_EQ(parse.mrz->given_names, "");
}

// --- line breaks ------------------------------------------------------------

TEST(ParseMrz, ToleratesCrLfAndOneTrailingLineBreak) {
  const std::string crlf =
      "IDMEX1870064127<<0427118903355\r\n8504124H3312315MEX<<<<<<<<<<<2\r\n"
      "PEREZ<GARCIA<<JUAN<CARLOS<<<<<";
  EXPECT_TRUE(parse_mrz(crlf).ok());
  EXPECT_TRUE(parse_mrz(crlf + "\r\n").ok());
  EXPECT_TRUE(parse_mrz(std::string(kWorkedExample) + "\n").ok());
}

TEST(ParseMrz, FixesNothingElseAroundTheLines) {
  const std::string text(kWorkedExample);
  EXPECT_EQ(error_of(parse_mrz(text + "\n\n")).kind, MrzErrorKind::kLineCount);
  EXPECT_EQ(error_of(parse_mrz("\n" + text)).kind, MrzErrorKind::kLineCount);
  EXPECT_EQ(error_of(parse_mrz(" " + text)).kind, MrzErrorKind::kLineLength);
  EXPECT_EQ(error_of(parse_mrz(text + " ")).kind, MrzErrorKind::kLineLength);
  EXPECT_EQ(error_of(parse_mrz(text + "\r")).kind, MrzErrorKind::kLineLength);  // a '\r' without '\n'
}

// --- shape ------------------------------------------------------------------

TEST(ParseMrz, TwoLinesAreALineCountError) {
  const auto error = error_of(parse_mrz("IDMEX1870064127<<0427118903355\n8504124H3312315MEX<<<<<<<<<<<2"));
  EXPECT_EQ(error.kind, MrzErrorKind::kLineCount);
  EXPECT_EQ(error.line, 0);
  EXPECT_NE(error.message.find("got 2 lines"), std::string::npos) << error.message;
  EXPECT_EQ(mrz_error_code(error.kind), "line_count");
}

TEST(ParseMrz, FourLinesAndEmptyTextAreLineCountErrors) {
  EXPECT_EQ(error_of(parse_mrz(std::string(kWorkedExample) + "\n<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<")).kind,
            MrzErrorKind::kLineCount);
  EXPECT_EQ(error_of(parse_mrz("")).kind, MrzErrorKind::kLineCount);
}

TEST(ParseMrz, ShortLineNamesTheLineAndItsLength) {
  MrzFields fields;
  const auto error = error_of(parse_mrz(text_of(fields.line1(), fields.line2().substr(0, 29), fields.line3())));
  EXPECT_EQ(error.kind, MrzErrorKind::kLineLength);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.message, "MRZ line 2 has 29 characters; every line must have 30");
  EXPECT_EQ(mrz_error_code(error.kind), "line_length");
}

TEST(ParseMrz, LongLineNamesTheLineAndItsLength) {
  MrzFields fields;
  const auto error = error_of(parse_mrz(text_of(fields.line1(), fields.line2(), fields.line3() + "<")));
  EXPECT_EQ(error.kind, MrzErrorKind::kLineLength);
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.message, "MRZ line 3 has 31 characters; every line must have 30");
}

TEST(ParseMrz, LowerCaseIsRejectedNotUpperCased) {
  std::string text(kWorkedExample);
  text[31 + 7] = 'h';  // line 2 position 8: the sex
  const auto error = error_of(parse_mrz(text));
  EXPECT_EQ(error.kind, MrzErrorKind::kLowerCase);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.position, 8);
  EXPECT_EQ(mrz_error_code(error.kind), "lower_case");
}

TEST(ParseMrz, LowerCaseNameIsRejected) {
  MrzFields fields;
  fields.names = "perez<<juan";
  const auto error = error_of(parse_mrz(fields.text()));
  EXPECT_EQ(error.kind, MrzErrorKind::kLowerCase);
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.position, 1);
}

TEST(ParseMrz, CharactersOutsideTheAlphabet) {
  for (const char bad : {' ', '-', '*', '\t', '\0'}) {
    std::string text(kWorkedExample);
    text[7] = bad;
    const auto error = error_of(parse_mrz(text));
    EXPECT_EQ(error.kind, MrzErrorKind::kInvalidCharacter) << static_cast<int>(bad);
    EXPECT_EQ(error.line, 1);
    EXPECT_EQ(error.position, 8);
  }
  std::string utf8(kWorkedExample);
  utf8.replace(62, 2, "\xC3\x91");  // Ñ in the name line, same byte length
  EXPECT_EQ(error_of(parse_mrz(utf8)).kind, MrzErrorKind::kInvalidCharacter);
}

// --- fixed parts ------------------------------------------------------------

TEST(ParseMrz, LineOneMustStartWithIdmex) {
  std::string text(kWorkedExample);
  text.replace(2, 3, "USA");
  const auto error = error_of(parse_mrz(text));
  EXPECT_EQ(error.kind, MrzErrorKind::kDocumentType);
  EXPECT_EQ(error.line, 1);
}

TEST(ParseMrz, SeparatorAfterTheCicCheckDigit) {
  std::string text(kWorkedExample);
  text[15] = 'K';
  const auto error = error_of(parse_mrz(text));
  EXPECT_EQ(error.kind, MrzErrorKind::kSeparator);
  EXPECT_EQ(error.position, 16);
}

TEST(ParseMrz, NationalityMustBeMex) {
  std::string text(kWorkedExample);
  text.replace(31 + 15, 3, "MEC");
  const auto error = error_of(parse_mrz(text));
  EXPECT_EQ(error.kind, MrzErrorKind::kNationality);
  EXPECT_EQ(error.line, 2);
}

// --- digit slots ------------------------------------------------------------

TEST(ParseMrz, FillerInTheCicIsNotADigit) {
  MrzFields fields;
  std::string l1 = fields.line1();
  l1[13] = '<';
  const auto error = error_of(parse_mrz(text_of(l1, fields.line2(), fields.line3())));
  EXPECT_EQ(error.kind, MrzErrorKind::kNotADigit);
  EXPECT_EQ(error.line, 1);
  EXPECT_EQ(error.position, 14);
  EXPECT_NE(error.message.find("filler '<' in the CIC"), std::string::npos) << error.message;
  expect_no_personal_data(error);
}

TEST(ParseMrz, FillerInTheBirthDateAndInTheCheckDigits) {
  const MrzFields fields;
  for (const int index : {0, 5, 6, 8, 14, 29}) {
    std::string l2 = fields.line2();
    l2[index] = '<';
    const auto error = error_of(parse_mrz(text_of(fields.line1(), l2, fields.line3())));
    EXPECT_EQ(error.kind, MrzErrorKind::kNotADigit) << index;
    EXPECT_EQ(error.line, 2);
    EXPECT_EQ(error.position, index + 1);
  }
}

TEST(ParseMrz, LettersInDigitSlots) {
  const MrzFields fields;
  std::string l1 = fields.line1();
  l1[20] = 'O';  // in the OCR block
  auto error = error_of(parse_mrz(text_of(l1, fields.line2(), fields.line3())));
  EXPECT_EQ(error.kind, MrzErrorKind::kNotADigit);
  EXPECT_EQ(error.position, 21);
  EXPECT_NE(error.message.find("letter in the 13-digit OCR block"), std::string::npos) << error.message;

  std::string l2 = fields.line2();
  l2[10] = 'I';  // in the expiry date
  error = error_of(parse_mrz(text_of(fields.line1(), l2, fields.line3())));
  EXPECT_EQ(error.kind, MrzErrorKind::kNotADigit);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.position, 11);
}

TEST(ParseMrz, DigitInTheNameLine) {
  MrzFields fields;
  fields.names = "PEREZ<GARC1A<<JUAN";
  const auto error = error_of(parse_mrz(fields.text()));
  EXPECT_EQ(error.kind, MrzErrorKind::kNameCharacter);
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.position, 11);
}

// --- the four check digits --------------------------------------------------

// Replaces one check digit with the next digit, keeping everything else.
std::string with_wrong_digit(std::string text, std::size_t index) {
  text[index] = static_cast<char>('0' + (text[index] - '0' + 1) % 10);
  return text;
}

TEST(ParseMrzCheckDigits, WrongCicCheckDigit) {
  const auto error = error_of(parse_mrz(with_wrong_digit(std::string(kWorkedExample), 14)));
  EXPECT_EQ(error.kind, MrzErrorKind::kCicCheckDigit);
  EXPECT_EQ(error.line, 1);
  EXPECT_EQ(error.position, 15);
  EXPECT_EQ(mrz_error_code(error.kind), "cic_check_digit");
  EXPECT_NE(error.message.find("CIC check digit"), std::string::npos);
  expect_no_personal_data(error);
}

TEST(ParseMrzCheckDigits, WrongBirthDateCheckDigit) {
  const auto error = error_of(parse_mrz(with_wrong_digit(std::string(kWorkedExample), 31 + 6)));
  EXPECT_EQ(error.kind, MrzErrorKind::kBirthDateCheckDigit);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.position, 7);
  EXPECT_EQ(mrz_error_code(error.kind), "birth_date_check_digit");
  expect_no_personal_data(error);
}

TEST(ParseMrzCheckDigits, WrongExpiryDateCheckDigit) {
  const auto error = error_of(parse_mrz(with_wrong_digit(std::string(kWorkedExample), 31 + 14)));
  EXPECT_EQ(error.kind, MrzErrorKind::kExpiryDateCheckDigit);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.position, 15);
  EXPECT_EQ(mrz_error_code(error.kind), "expiry_date_check_digit");
  expect_no_personal_data(error);
}

TEST(ParseMrzCheckDigits, WrongCompositeCheckDigit) {
  const auto error = error_of(parse_mrz(with_wrong_digit(std::string(kWorkedExample), 31 + 29)));
  EXPECT_EQ(error.kind, MrzErrorKind::kCompositeCheckDigit);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.position, 30);
  EXPECT_EQ(mrz_error_code(error.kind), "composite_check_digit");
  expect_no_personal_data(error);
}

TEST(ParseMrzCheckDigits, CompositeCatchesAChangeTheFieldChecksDoNotCover) {
  // The OCR block and the optional data have no check digit of their own.
  std::string text(kWorkedExample);
  text[25] = '9';
  EXPECT_EQ(error_of(parse_mrz(text)).kind, MrzErrorKind::kCompositeCheckDigit);
  text = std::string(kWorkedExample);
  text[31 + 20] = '1';
  EXPECT_EQ(error_of(parse_mrz(text)).kind, MrzErrorKind::kCompositeCheckDigit);
}

TEST(ParseMrzCheckDigits, SwappedFieldDigitsAreCaught) {
  std::string text(kWorkedExample);
  std::swap(text[5], text[6]);  // CIC 18… -> 81…
  EXPECT_EQ(error_of(parse_mrz(text)).kind, MrzErrorKind::kCicCheckDigit);
}

// --- dates and sex (check digits recomputed, so only the value is wrong) -----

TEST(ParseMrz, BirthMonthThirteen) {
  MrzFields fields;
  fields.birth = "851312";
  const auto error = error_of(parse_mrz(fields.text()));
  EXPECT_EQ(error.kind, MrzErrorKind::kBirthDate);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(mrz_error_code(error.kind), "birth_date");
}

TEST(ParseMrz, BirthDayThatDoesNotExist) {
  for (const char* bad : {"850230", "850431", "850400", "850132", "010229"}) {
    MrzFields fields;
    fields.birth = bad;
    EXPECT_EQ(error_of(parse_mrz(fields.text())).kind, MrzErrorKind::kBirthDate) << bad;
  }
  MrzFields leap;
  leap.birth = "000229";
  EXPECT_TRUE(parse_mrz(leap.text()).ok());
}

TEST(ParseMrz, ExpiryMustBeTheThirtyFirstOfDecember) {
  for (const char* bad : {"331230", "330131", "331331", "000000"}) {
    MrzFields fields;
    fields.expiry = bad;
    const auto error = error_of(parse_mrz(fields.text()));
    EXPECT_EQ(error.kind, MrzErrorKind::kExpiryDate) << bad;
    EXPECT_EQ(error.position, 9);
  }
}

TEST(ParseMrz, SexMustBeHOrM) {
  for (const char bad : {'F', 'X', '<', '1'}) {
    MrzFields fields;
    fields.sex = bad;
    const auto error = error_of(parse_mrz(fields.text()));
    EXPECT_EQ(error.kind, MrzErrorKind::kSex) << bad;
    EXPECT_EQ(error.line, 2);
    EXPECT_EQ(error.position, 8);
  }
}

// --- credential, models, consistency -----------------------------------------

Mrz worked_example() {
  return parse_mrz(kWorkedExample).mrz.value();
}

TEST(CredentialFromMrz, CarriesCicOcrAndCitizenId) {
  const Credential c = credential_from_mrz(worked_example());
  EXPECT_EQ(c.cic, "187006412");
  EXPECT_EQ(c.ocr, "0427118903355");
  EXPECT_EQ(c.citizen_id, "118903355");
  EXPECT_TRUE(c.elector_key.empty());
  const auto keys = lookup_keys(c);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].canonical, "EH|187006412|118903355");
  EXPECT_EQ(keys[1].canonical, "D|187006412|0427118903355");
}

TEST(CandidateModels, FromTheMrzVigenciaYear) {
  MrzFields fields;
  EXPECT_EQ(candidate_models(parse_mrz(fields.text()).mrz.value()), "EFGH");  // 2033
  fields.expiry = "241231";
  EXPECT_EQ(candidate_models(parse_mrz(fields.text()).mrz.value()), "DEFGH");
  fields.expiry = "231231";
  EXPECT_EQ(candidate_models(parse_mrz(fields.text()).mrz.value()), "D");
}

TEST(CandidateModels, FromWhicheverFieldsArePresent) {
  Credential c;
  EXPECT_EQ(candidate_models(c), "");
  c.cic = "187006412";
  EXPECT_EQ(candidate_models(c), "");
  c.citizen_id = "118903355";
  EXPECT_EQ(candidate_models(c), "EFGH");
  c.ocr = "0427118903355";
  EXPECT_EQ(candidate_models(c), "DEFGH");
  Credential model_c;
  model_c.elector_key = "PRGRJN85041209H100";
  model_c.emission_number = "01";
  EXPECT_EQ(candidate_models(model_c), "");
  model_c.ocr = "0427118903355";
  EXPECT_EQ(candidate_models(model_c), "C");
}

TEST(MrzDisagreements, NoneWhenTheTypedFieldsMatch) {
  Credential typed;
  typed.cic = "187006412";
  typed.citizen_id = "118903355";
  typed.ocr = "0427118903355";
  typed.curp = "PEGJ850412HDFRRN06";
  typed.elector_key = "PRGRJN85041209H100";
  typed.emission_number = "03";  // not in the MRZ: never compared
  EXPECT_TRUE(mrz_disagreements(worked_example(), typed).empty());
  EXPECT_TRUE(mrz_disagreements(worked_example(), Credential{}).empty());
}

TEST(MrzDisagreements, NamesEachFieldThatDiffers) {
  Credential typed;
  typed.cic = "187006413";
  typed.citizen_id = "118903356";
  typed.ocr = "0427118903356";
  typed.curp = "PEGJ850413HDFRRN03";         // another birth day
  typed.elector_key = "PRGRJN85041209M100";  // another sex
  EXPECT_EQ(mrz_disagreements(worked_example(), typed),
            (std::vector<std::string>{"cic", "citizen_id", "ocr", "curp", "elector_key"}));
}

TEST(MrzDisagreements, CurpSexIsComparedUnlessX) {
  Credential typed;
  typed.curp = "PEGJ850412MDFRRN06";
  EXPECT_EQ(mrz_disagreements(worked_example(), typed), std::vector<std::string>{"curp"});
  typed.curp = "PEGJ850412XDFRRN06";
  EXPECT_TRUE(mrz_disagreements(worked_example(), typed).empty());
}

// --- OCR reading path: check-digit-confirmed repairs -----------------------------

TEST(ParseMrzReading, ACleanReadingNeedsNoRepair) {
  const auto parse = parse_mrz_reading(kWorkedExample);
  ASSERT_TRUE(parse.ok());
  EXPECT_EQ(parse.mrz->line1, "IDMEX1870064127<<0427118903355");
}

TEST(ParseMrzReading, LettersInDigitSlotsAreRepairedWhenTheCheckDigitsHold) {
  // 1->I, 0->O, 8->B, 5->S, 6->G, 4->A in several fields, including check digits.
  const std::string l1 = "IDMEXI87OOG4I27<<O427I1B9O33SS";
  const std::string l2 = "B5O4I2AH33I23ISMEX<<<<<<<<<<<2";
  const auto parse = parse_mrz_reading(text_of(l1, l2, "PEREZ<GARCIA<<JUAN<CARLOS<<<<<"));
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  EXPECT_EQ(parse.mrz->line1 + "\n" + parse.mrz->line2 + "\n" + parse.mrz->line3, kWorkedExample);
  // parse_mrz itself repairs nothing.
  EXPECT_EQ(error_of(parse_mrz(text_of(l1, l2, "PEREZ<GARCIA<<JUAN<CARLOS<<<<<"))).kind, MrzErrorKind::kNotADigit);
}

TEST(ParseMrzReading, ARepairTheCheckDigitRefutesIsRejected) {
  // The CIC's '6' read as 'B': B can only stand for 8 here, and 8 breaks the CIC check digit.
  const auto error = error_of(parse_mrz_reading(
      text_of("IDMEX18700B4127<<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")));
  EXPECT_EQ(error.kind, MrzErrorKind::kCicCheckDigit);
  expect_no_personal_data(error);
}

TEST(ParseMrzReading, ZIsTwoOrSevenAndTheCheckDigitsPickOne) {
  // A Z in the CIC (decided by the CIC check digit) and one in the OCR block (decided by
  // the composite): each has one candidate that holds.
  const auto parse = parse_mrz_reading(
      text_of("IDMEX18Z0064127<<04Z7118903355", "8504124H3312315MEX<<<<<<<<<<<2", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<"));
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  EXPECT_EQ(parse.mrz->cic, "187006412");
  EXPECT_EQ(parse.mrz->ocr, "0427118903355");
}

TEST(ParseMrzReading, TwoCandidatesThatBothHoldAreRejected) {
  // CIC 187006412 with its 7 and its 2 both read as Z: 1-2-…-7 satisfies the CIC and the
  // composite check digits as well as 1-7-…-2 (equal weights, both deltas 5), so no guess.
  const auto error = error_of(parse_mrz_reading(
      text_of("IDMEX18Z00641Z7<<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")));
  EXPECT_EQ(error.kind, MrzErrorKind::kAmbiguousRepair);
  EXPECT_EQ(mrz_error_code(error.kind), "ambiguous_repair");
}

TEST(ParseMrzReading, UnknownConfusionsAreNotRepaired) {
  const auto error = error_of(parse_mrz_reading(
      text_of("IDMEX18700641X7<<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")));
  EXPECT_EQ(error.kind, MrzErrorKind::kNotADigit);
  EXPECT_EQ(error.position, 14);
}

TEST(ParseMrzReading, OneWrongCharacterInALayoutConstantIsSetBack) {
  const auto parse = parse_mrz_reading(
      text_of("1DMEX1870064127K<0427118903355", "8504124H3312315MFX<<<<<<<<<<<2", "PEREZ<GARCIA<<JUAN<CARLOS<<<<<"));
  ASSERT_TRUE(parse.ok()) << parse.error->message;
  EXPECT_EQ(parse.mrz->line1, "IDMEX1870064127<<0427118903355");
  // Two wrong characters: another document, not a misread.
  EXPECT_EQ(error_of(parse_mrz_reading(text_of("IDUSA1870064127<<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2",
                                               "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")))
                .kind,
            MrzErrorKind::kDocumentType);
}

TEST(ParseMrzReading, SexNamesAndLengthsAreNeverRepaired) {
  EXPECT_EQ(error_of(parse_mrz_reading(text_of("IDMEX1870064127<<0427118903355", "8504124N3312315MEX<<<<<<<<<<<2",
                                               "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")))
                .kind,
            MrzErrorKind::kSex);
  EXPECT_EQ(error_of(parse_mrz_reading(text_of("IDMEX1870064127<<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2",
                                               "PEREZ<GARC1A<<JUAN<CARLOS<<<<<")))
                .kind,
            MrzErrorKind::kNameCharacter);
  EXPECT_EQ(error_of(parse_mrz_reading(text_of("IDMEX1870064127<0427118903355", "8504124H3312315MEX<<<<<<<<<<<2",
                                               "PEREZ<GARCIA<<JUAN<CARLOS<<<<<")))
                .kind,
            MrzErrorKind::kLineLength);
}

}  // namespace
}  // namespace inereg::ine
