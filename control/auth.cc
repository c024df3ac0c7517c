#include "control/auth.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pushgw::control {
namespace {

constexpr absl::string_view kBearer = "bearer ";

// Compares without an early exit on the first differing byte, so response
// times do not reveal how much of a guessed token was right.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

absl::string_view RoleName(core::ControlRole role) {
  return role == core::ControlRole::kAdmin ? "admin" : "publisher";
}

}  // namespace

absl::StatusOr<std::string> Authorizer::Check(const grpc::ServerContextBase& context,
                                              core::ControlRole needed) const {
  if (tokens_.empty()) return std::string();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing credentials: send the metadata \"authorization: Bearer <token>\"");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (value.size() < kBearer.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
    return absl::UnauthenticatedError("the authorization metadata must be \"Bearer <token>\"");
  }
  const absl::string_view presented = absl::StripAsciiWhitespace(value.substr(kBearer.size()));
  const core::ControlToken* match = nullptr;
  for (const core::ControlToken& token : tokens_) {
    // Every token is compared, whichever matches.
    if (ConstantTimeEquals(presented, token.token)) match = &token;
  }
  if (match == nullptr) return absl::UnauthenticatedError("invalid token");
  if (needed == core::ControlRole::kAdmin && match->role != core::ControlRole::kAdmin) {
    return absl::PermissionDeniedError(absl::StrCat("token \"", match->name, "\" has the role ",
                                                    RoleName(match->role), "; this call needs ",
                                                    RoleName(needed)));
  }
  return match->name;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read \"", path, "\""));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read \"", path, "\""));
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const core::ControlOptions& options) {
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadFileToString(options.tls_cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFileToString(options.tls_key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  if (!options.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFileToString(options.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
    ssl.client_certificate_request =
        options.tls_require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                        : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace pushgw::control
