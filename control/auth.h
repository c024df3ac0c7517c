// Security of the control plane: bearer tokens with roles (checked per call
// from the `authorization` metadata) and TLS / mutual TLS server credentials
// from the configured PEM files. Both are off unless configured.
// Thread-safe: an Authorizer is immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/options.h"

namespace grpc {
class ServerContextBase;
class ServerCredentials;
}  // namespace grpc

namespace pushgw::control {

class Authorizer {
 public:
  explicit Authorizer(std::vector<core::ControlToken> tokens) : tokens_(std::move(tokens)) {}

  bool enabled() const { return !tokens_.empty(); }

  // The caller's token name ("" when authentication is off), or
  // UNAUTHENTICATED (no or unknown `authorization: Bearer <token>`) or
  // PERMISSION_DENIED (the token's role lacks `needed`).
  absl::StatusOr<std::string> Check(const grpc::ServerContextBase& context,
                                    core::ControlRole needed) const;

 private:
  const std::vector<core::ControlToken> tokens_;
};

// Plaintext when no certificate is configured; else TLS from the PEM files,
// with client certificates verified against tls_client_ca_file when set.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const core::ControlOptions& options);

// Reads a whole file (PEM files, tokens); the error names the file.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace pushgw::control
