#include "ine/check_digits.hpp"

namespace inereg::ine {

std::optional<int> icao_check_digit(std::string_view field) {
  static constexpr int kWeights[] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    int value = 0;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      value = c - 'A' + 10;
    } else if (c == '<') {
      value = 0;
    } else {
      return std::nullopt;
    }
    sum += value * kWeights[i % 3];
  }
  return sum % 10;
}

std::optional<int> curp_check_digit(std::string_view first17) {
  if (first17.size() != 17) {
    return std::nullopt;
  }
  int sum = 0;
  for (std::size_t i = 0; i < first17.size(); ++i) {
    const char c = first17[i];
    int value = 0;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'A' && c <= 'N') {
      value = c - 'A' + 10;
    } else if (c >= 'O' && c <= 'Z') {
      value = c - 'A' + 11;  // Ñ sits between N and O in RENAPO's alphabet.
    } else {
      return std::nullopt;
    }
    sum += value * static_cast<int>(18 - i);
  }
  return (10 - sum % 10) % 10;
}

}  // namespace inereg::ine
