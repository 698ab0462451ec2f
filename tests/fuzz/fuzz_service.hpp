#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/api.hpp"
#include "http/exchange.hpp"
#include "require.hpp"

// The in-process inereg the request-path fuzz targets call: the real app::Service
// (SQLite in a fresh temp directory, no check workers, its port bound on loopback and
// never served), with one integration and one session created through the API. The
// targets call Api::route, Api::admit and Api::handle exactly as the HTTP server does.
//
// Inputs that create sessions grow the database, so the service is rebuilt on a fresh
// database every kInputsPerService inputs: a run of ten million stays in memory.
// Not thread-safe (libFuzzer calls a target from one thread).
namespace inereg::fuzz {

class FuzzService {
 public:
  // The service for the next input (built on first use, renewed as described above).
  static FuzzService& next_input();

  FuzzService();
  ~FuzzService();
  FuzzService(const FuzzService&) = delete;
  FuzzService& operator=(const FuzzService&) = delete;

  api::Api& api();
  const std::string& api_key() const { return api_key_; }
  const std::string& session_id() const { return session_id_; }
  // X-HMAC-SIGNATURE of `signed_part` under the integration's secret.
  std::string signature(std::string_view signed_part) const;
  // A request from 127.0.0.1 with the integration's API key and `signature` (views:
  // the arguments must outlive it).
  http::Request signed_request(std::string_view method, std::string_view path, std::string_view body,
                               std::string_view signature) const;

  // Routes and answers `request` as the HTTP server would: admit before a body is read
  // (when `body_follows` the head), then handle; and checks what holds for every
  // answer: never a 5xx, and a 401 never carries a response signature.
  http::Response serve(const http::Request& request, bool body_follows);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string api_key_;
  std::string secret_;
  std::string session_id_;
};

}  // namespace inereg::fuzz
