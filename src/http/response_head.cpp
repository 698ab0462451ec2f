#include "http/response_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <string_view>

namespace inereg::http {
namespace {

struct Field {
  std::string_view name;
  std::string_view value;
};

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

void append_response_head(const Response& response, unsigned version, bool keep_alive, std::string& out) {
  const auto code = static_cast<unsigned>(response.status);
  const std::string_view reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(code));
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  out += static_cast<char>('0' + code / 100 % 10);
  out += static_cast<char>('0' + code / 10 % 10);
  out += static_cast<char>('0' + code % 10);
  out += ' ';
  out += reason;
  out += "\r\n";

  // What the server adds after the application's fields.
  std::string_view connection;
  if (version >= 11 && !keep_alive) {
    connection = "close";
  } else if (version < 11 && keep_alive) {
    connection = "keep-alive";
  }
  std::array<char, 20> length_digits{};
  const auto length_end =
      std::to_chars(length_digits.data(), length_digits.data() + length_digits.size(), response.body.size()).ptr;
  const std::string_view length(length_digits.data(), static_cast<std::size_t>(length_end - length_digits.data()));

  // Every field in the order Beast's set() would leave them: one whose name comes again
  // from `from` on is left out (a response has a handful of fields: quadratic is fine).
  const auto& headers = response.headers;
  const auto named_again = [&](std::size_t from, std::string_view name) {
    for (std::size_t j = from; j < headers.size(); ++j) {
      if (boost::beast::iequals(name, headers[j].first)) {
        return true;
      }
    }
    return (!connection.empty() && boost::beast::iequals(name, "Connection")) ||
           boost::beast::iequals(name, "Content-Length");
  };
  if (!response.content_type.empty() && !named_again(0, "Content-Type")) {
    append_field(out, "Content-Type", response.content_type);
  }
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!named_again(i + 1, headers[i].first)) {
      append_field(out, headers[i].first, headers[i].second);
    }
  }
  if (!connection.empty()) {
    append_field(out, "Connection", connection);
  }
  append_field(out, "Content-Length", length);
  out += "\r\n";
}

}  // namespace inereg::http
