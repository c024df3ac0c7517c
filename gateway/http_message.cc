#include "gateway/http_message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pushgw::gateway {
namespace {

std::optional<absl::string_view> FindHeader(
    const std::vector<std::pair<std::string, std::string>>& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return absl::string_view(value);
  }
  return std::nullopt;
}

void AppendHead(const HttpResponse& r, std::string* out) {
  absl::StrAppend(out, "HTTP/1.1 ", r.status, " ", ReasonPhrase(r.status), "\r\n");
  for (const auto& [name, value] : r.headers) absl::StrAppend(out, name, ": ", value, "\r\n");
}

}  // namespace

absl::string_view HttpRequest::path() const {
  const size_t q = target.find('?');
  return absl::string_view(target).substr(0, q);
}

absl::string_view HttpRequest::query() const {
  const size_t q = target.find('?');
  if (q == std::string::npos) return {};
  return absl::string_view(target).substr(q + 1);
}

std::optional<absl::string_view> HttpRequest::Header(absl::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<absl::string_view> HttpResponse::Header(absl::string_view name) const {
  return FindHeader(headers, name);
}

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Not Allowed";
    case 408:
      return "Request Time-out";
    case 411:
      return "Length Required";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Temporarily Unavailable";
    default:
      return "Unknown";
  }
}

std::string SerializeResponse(const HttpResponse& response, bool keep_alive) {
  std::string out;
  out.reserve(256 + response.body.size());
  AppendHead(response, &out);
  absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\n",
                  keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n", "\r\n");
  out += response.body;
  return out;
}

std::string SerializeStreamingHead(const HttpResponse& head, bool chunked, bool keep_alive) {
  std::string out;
  out.reserve(256);
  AppendHead(head, &out);
  if (chunked) out += "Transfer-Encoding: chunked\r\n";
  out += keep_alive && chunked ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  return out;
}

void AppendChunk(absl::string_view data, std::string* out) {
  if (data.empty()) return;
  absl::StrAppend(out, absl::Hex(data.size()), "\r\n");
  out->append(data.data(), data.size());
  out->append("\r\n");
}

}  // namespace pushgw::gateway
