// HTTP request and response values as the edge's handlers see them, decoupled
// from Beast so the protocol logic is pure and testable without sockets, and
// our own serializer so every byte of a response head is ours (SPEC §0.1: no
// Server/Date, `Etag` spelled as the module does, nginx reason phrases).
// Value types; no synchronization.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace pushgw::gateway {

struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", ...
  std::string target;  // raw request-target: path + optional "?query"
  int version = 11;    // 10 or 11
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  bool keep_alive = true;

  absl::string_view path() const;   // target before '?', raw (not decoded)
  absl::string_view query() const;  // after '?', raw; empty if none
  // First header with this name (ASCII case-insensitive).
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, exact names
  std::string body;  // sent with Content-Length (0 for a header-only answer)

  HttpResponse& Add(absl::string_view name, absl::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
    return *this;
  }
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

// nginx's reason phrase for a status ("Not Allowed" for 405).
absl::string_view ReasonPhrase(int status);

// "HTTP/1.1 <status> <reason>\r\n" + headers + "Content-Length" +
// "Connection" + "\r\n" + body.
std::string SerializeResponse(const HttpResponse& response, bool keep_alive);

// The head of a streaming answer: "Transfer-Encoding: chunked" when chunked,
// else no length (HTTP/1.0: the body ends when the connection closes).
std::string SerializeStreamingHead(const HttpResponse& head, bool chunked, bool keep_alive);

// Wraps `data` as one HTTP/1.1 chunk ("<hex>\r\n<data>\r\n"); empty data gives
// nothing (an empty chunk would end the body).
void AppendChunk(absl::string_view data, std::string* out);
inline constexpr char kLastChunk[] = "0\r\n\r\n";

}  // namespace pushgw::gateway
