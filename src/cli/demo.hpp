#pragma once

#include <string>

#include "app/service.hpp"

namespace inereg::cli {

// `serve --demo`: ensures a demo integration and a generated registry exist, creates
// and submits two sessions (a vigente and a not-found credential) through the API, and
// returns the text to print: signed curl commands for both, and for the whole flow.
std::string prepare_demo(app::Service& service);

}  // namespace inereg::cli
