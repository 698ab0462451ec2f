#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include "ine/credential.hpp"
#include "registry/connector.hpp"
#include "registry/registry_file.hpp"
#include "support/fake_upstream.hpp"

// Asking a registry connector from a test, for the tests of the HTTP stack against fake
// upstreams (tests/component/upstream_connector_test.cpp, vendor_sources_test.cpp).
namespace inereg::testing {

// A hang guard, not a timing assertion: every lookup in these tests ends long before it.
inline constexpr std::chrono::seconds kAnswerGuard{30};

// One lookup, waited for: the connector's answer, or a failed test and an empty outcome
// when none comes within kAnswerGuard.
inline registry::LookupOutcome lookup(registry::RegistryConnector& connector, const ine::Credential& credential) {
  auto answered = std::make_shared<std::promise<registry::LookupOutcome>>();
  auto future = answered->get_future();
  connector.lookup(credential,
                   [answered](registry::LookupOutcome outcome) { answered->set_value(std::move(outcome)); });
  if (future.wait_for(kAnswerGuard) != std::future_status::ready) {
    ADD_FAILURE() << "the lookup was never answered";
    return {};
  }
  return future.get();
}

// A synthetic credential of `model` (registry::SyntheticRegistry, valid check digits).
inline ine::Credential credential_of(const std::string& model, std::uint64_t seed = 7) {
  return registry::SyntheticRegistry(seed).make(model, 1).credential;
}

// The JSON body the fake upstream received.
inline boost::json::object body_of(const FakeRequest& request) {
  return boost::json::parse(request.body).as_object();
}

}  // namespace inereg::testing
