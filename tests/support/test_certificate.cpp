#include "support/test_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace inereg::testing {
namespace {

void check(bool ok, const char* step) {
  if (!ok) {
    throw std::runtime_error(std::string("test certificate: ") + step + " failed");
  }
}

void add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value), &X509_EXTENSION_free);
  check(extension != nullptr && X509_add_ext(certificate, extension.get(), -1) == 1, "an extension");
}

template <typename Write>
void write_pem(const std::filesystem::path& path, Write write) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  check(file != nullptr && write(file.get()) == 1, "writing a PEM file");
}

}  // namespace

TestCertificate make_loopback_certificate(const std::filesystem::path& directory, const std::string& name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "generating the key");
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), &X509_free);
  check(certificate != nullptr, "X509_new");
  X509* cert = certificate.get();
  check(X509_set_version(cert, 2) == 1, "the version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1, "the serial number");
  check(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert), 86400) != nullptr, "notAfter");
  X509_NAME* subject = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(("inereg test " + name).c_str()), -1, -1,
                                   0) == 1,
        "the subject");
  check(X509_set_issuer_name(cert, subject) == 1, "the issuer");
  check(X509_set_pubkey(cert, key.get()) == 1, "the public key");
  add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert, NID_subject_alt_name, "IP:127.0.0.1");
  check(X509_sign(cert, key.get(), EVP_sha256()) > 0, "signing");

  TestCertificate made{directory / (name + ".crt"), directory / (name + ".key")};
  write_pem(made.certificate, [&](FILE* file) { return PEM_write_X509(file, cert); });
  write_pem(made.private_key,
            [&](FILE* file) { return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return made;
}

}  // namespace inereg::testing
