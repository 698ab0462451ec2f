#pragma once

#include <filesystem>
#include <string>

// A TLS certificate for a loopback test server, made with OpenSSL when the test runs
// (nothing secret is committed): self-signed, so it is its own trust anchor.
namespace inereg::testing {

struct TestCertificate {
  std::filesystem::path certificate;  // PEM: the server's certificate, and the client's CA file
  std::filesystem::path private_key;  // PEM, unencrypted
};

// Writes `name`.crt and `name`.key into `directory`: a P-256 key and a certificate for
// IP address 127.0.0.1 (subjectAltName) valid from an hour ago for a day, marked as a
// CA so that a client may trust it directly. Throws std::runtime_error on failure.
TestCertificate make_loopback_certificate(const std::filesystem::path& directory, const std::string& name);

}  // namespace inereg::testing
