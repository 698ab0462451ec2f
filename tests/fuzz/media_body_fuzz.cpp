// Fuzz target of the media upload's JSON body: the input, correctly signed, as the
// body of POST /v1/sessions/{id}/media on the fuzz integration's session, through
// Api::admit and Api::handle as the server calls them. (The image content itself is
// image_content_fuzz's; here it is the envelope: members, types, context, timestamp.)
//
// Properties, besides "no crash, no sanitizer report": never a 5xx, no response
// signature on a 401 (FuzzService::serve); a 200 names a stored image of an accepted
// type.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_service.hpp"
#include "media/image_content.hpp"

namespace {

using inereg::fuzz::FuzzService;
using inereg::fuzz::require;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzService& service = FuzzService::next_input();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string signature = service.signature(body);
  const std::string path = "/v1/sessions/" + service.session_id() + "/media";
  const auto answer = service.serve(service.signed_request("POST", path, body, signature), !body.empty());
  if (answer.status == 200) {
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(answer.body, error);
    require(!error && value.is_object());
    const auto* image = value.as_object().if_contains("image");
    require(image != nullptr && image->is_object());
    const auto* mimetype = image->as_object().if_contains("mimetype");
    require(mimetype != nullptr && mimetype->is_string());
    const std::string_view type = mimetype->as_string();
    using namespace inereg::media;
    require(type == kJpeg || type == kPng || type == kWebp || type == kHeic || type == kHeif || type == kPdf);
  }
  return 0;
}
