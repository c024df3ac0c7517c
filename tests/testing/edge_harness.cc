#include "tests/testing/edge_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/loader.h"
#include "core/clock.h"

namespace pushgw::testing {
namespace {

core::ServerConfig ForTests(core::ServerConfig config) {
  config.listen.http_listen = "127.0.0.1:0";
  // The SPEC's cleanup bound is "within 5 s"; a fast tick keeps tests short.
  config.store.cleanup_interval = absl::Milliseconds(200);
  return config;
}

}  // namespace

core::ServerConfig LayoutConfig() {
  absl::StatusOr<core::ServerConfig> config = config::DefaultConfig();
  if (!config.ok()) {
    fprintf(stderr, "default config: %s\n", config.status().ToString().c_str());
    abort();
  }
  return ForTests(*std::move(config));
}

core::ServerConfig LimitsConfig() {
  absl::StatusOr<core::ServerConfig> config = config::LoadConfigFile("config/limits.yaml");
  if (!config.ok()) {
    fprintf(stderr, "limits config: %s\n", config.status().ToString().c_str());
    abort();
  }
  return ForTests(*std::move(config));
}

// --- TestGateway ----------------------------------------------------------------

TestGateway::TestGateway(core::ServerConfig config, int workers) : config_(std::move(config)) {
  config_.listen.workers = workers;
  config_.store.render_slots = gateway::HttpServer::RenderSlots(config_);
  store_ = std::make_unique<core::Store>(config_.store, core::RealClock::Get());
  server_ = std::make_unique<gateway::HttpServer>(config_, *store_);
  absl::Status started = server_->Start();
  if (!started.ok()) {
    fprintf(stderr, "gateway start: %s\n", started.ToString().c_str());
    abort();
  }
  cleanup_ = std::thread([this] { CleanupLoop(); });
}

TestGateway::~TestGateway() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  cleanup_.join();
  server_->Stop();
  server_.reset();
  store_.reset();
}

void TestGateway::CleanupLoop() {
  const auto interval = absl::ToChronoMilliseconds(config_.store.cleanup_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
    lock.unlock();
    store_->Cleanup();
    lock.lock();
  }
}

bool TestGateway::WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    // Polling a condition, not sleeping for a result.
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

bool TestGateway::WaitForSubscribers(absl::string_view id, int64_t n, absl::Duration timeout) {
  return WaitFor(
      [&] {
        std::optional<core::ChannelInfo> info = store_->FindChannel(id);
        return info && info->subscribers == n;
      },
      timeout);
}

// --- HttpResponseView -------------------------------------------------------------

std::optional<std::string> HttpResponseView::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

// --- RawClient -----------------------------------------------------------------------

RawClient::RawClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::Send(absl::string_view bytes) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

void RawClient::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawClient::ReadSome(absl::Time deadline) {
  if (fd_ < 0 || eof_) return false;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return false;
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
  if (r <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool RawClient::ReadUntil(const std::function<bool(const std::string&)>& pred,
                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred(buffer_)) {
    if (!ReadSome(deadline)) return pred(buffer_);
  }
  return true;
}

std::string RawClient::ReadExactly(size_t n, absl::Duration timeout) {
  ReadUntil([n](const std::string& b) { return b.size() >= n; }, timeout);
  std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
  buffer_.erase(0, out.size());
  return out;
}

bool RawClient::WaitClosed(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!eof_) {
    if (!ReadSome(deadline) && !eof_ && absl::Now() >= deadline) return false;
  }
  return true;
}

bool RawClient::ExpectSilence(absl::Duration quiet) {
  const size_t before = buffer_.size();
  const absl::Time deadline = absl::Now() + quiet;
  while (absl::Now() < deadline) {
    if (!ReadSome(deadline)) break;
  }
  return buffer_.size() == before && !eof_;
}

std::optional<HttpResponseView> RawClient::ReadHead(absl::Duration timeout) {
  if (!ReadUntil([](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; },
                 timeout)) {
    return std::nullopt;
  }
  const size_t end = buffer_.find("\r\n\r\n") + 4;
  HttpResponseView r;
  r.head = buffer_.substr(0, end);
  buffer_.erase(0, end);
  size_t line_end = r.head.find("\r\n");
  r.status_line = r.head.substr(0, line_end);
  if (r.status_line.size() >= 12) absl::SimpleAtoi(r.status_line.substr(9, 3), &r.status);
  size_t pos = line_end + 2;
  while (pos < r.head.size() - 2) {
    size_t next = r.head.find("\r\n", pos);
    std::string line = r.head.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = next + 2;
  }
  std::optional<std::string> te = r.Header("Transfer-Encoding");
  r.chunked = te && absl::EqualsIgnoreCase(*te, "chunked");
  body_.clear();
  stream_ended_ = false;
  return r;
}

bool RawClient::DecodeChunks() {
  for (;;) {
    size_t line_end = buffer_.find("\r\n");
    if (line_end == std::string::npos) return false;
    size_t size = 0;
    std::string hex = buffer_.substr(0, line_end);
    if (!absl::SimpleHexAtoi(hex, &size)) return false;
    if (size == 0) {
      if (buffer_.size() < line_end + 4) return false;
      buffer_.erase(0, line_end + 4);
      stream_ended_ = true;
      return true;
    }
    if (buffer_.size() < line_end + 2 + size + 2) return false;
    body_.append(buffer_, line_end + 2, size);
    buffer_.erase(0, line_end + 2 + size + 2);
  }
}

const std::string& RawClient::ReadChunkedUntil(const std::function<bool(const std::string&)>& pred,
                                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    DecodeChunks();
    if (pred(body_) || stream_ended_) return body_;
    if (!ReadSome(deadline)) {
      DecodeChunks();
      return body_;
    }
  }
}

const std::string& RawClient::ReadChunkedContaining(absl::string_view needle,
                                                    absl::Duration timeout) {
  return ReadChunkedUntil([&](const std::string& b) { return absl::StrContains(b, needle); },
                          timeout);
}

std::optional<HttpResponseView> RawClient::ReadResponse(absl::Duration timeout, bool head_only) {
  const absl::Time deadline = absl::Now() + timeout;
  std::optional<HttpResponseView> r = ReadHead(timeout);
  if (!r || head_only) return r;
  if (r->chunked) {
    ReadChunkedUntil([](const std::string&) { return false; }, deadline - absl::Now());
    if (!stream_ended_) return std::nullopt;
    r->body = body_;
    body_.clear();
    return r;
  }
  if (std::optional<std::string> cl = r->Header("Content-Length")) {
    size_t n = 0;
    absl::SimpleAtoi(*cl, &n);
    if (!ReadUntil([n](const std::string& b) { return b.size() >= n; }, deadline - absl::Now())) {
      return std::nullopt;
    }
    r->body = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return r;
  }
  if (r->status == 304 || r->status == 101) return r;
  WaitClosed(deadline - absl::Now());
  r->body = buffer_;
  buffer_.clear();
  return r;
}

std::optional<WsFrame> RawClient::ReadFrame(absl::Duration timeout) {
  size_t header = 0;
  uint64_t length = 0;
  auto complete = [&](const std::string& b) {
    if (b.size() < 2) return false;
    const uint8_t len7 = static_cast<uint8_t>(b[1]) & 0x7F;
    header = 2;
    if (len7 == 126) {
      if (b.size() < 4) return false;
      length = (static_cast<uint8_t>(b[2]) << 8) | static_cast<uint8_t>(b[3]);
      header = 4;
    } else if (len7 == 127) {
      if (b.size() < 10) return false;
      length = 0;
      for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<uint8_t>(b[i]);
      header = 10;
    } else {
      length = len7;
    }
    return b.size() >= header + length;
  };
  if (!ReadUntil(complete, timeout)) return std::nullopt;
  WsFrame frame;
  frame.first = static_cast<uint8_t>(buffer_[0]);
  frame.raw = buffer_.substr(0, header + length);
  frame.payload = buffer_.substr(header, length);
  buffer_.erase(0, header + length);
  return frame;
}

void RawClient::SendFrame(uint8_t first_byte, absl::string_view payload, bool mask) {
  std::string frame;
  frame.push_back(static_cast<char>(first_byte));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() <= 125) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 65535) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      frame.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) frame.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  Send(frame);
}

// --- helpers ---------------------------------------------------------------------------

std::string BuildRequest(absl::string_view method, absl::string_view target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         absl::string_view body, bool http10) {
  std::string out = absl::StrCat(method, " ", target, http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n",
                                 "Host: 127.0.0.1\r\n");
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
    if (absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      has_length = true;
    }
  }
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
  }
  out += "\r\n";
  out.append(body.data(), body.size());
  return out;
}

std::optional<HttpResponseView> Fetch(
    int port, absl::string_view method, absl::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, absl::string_view body,
    bool http10) {
  RawClient client(port);
  if (!client.connected()) return std::nullopt;
  client.Send(BuildRequest(method, target, headers, body, http10));
  return client.ReadResponse(absl::Seconds(10), method == "HEAD");
}

int Publish(int port, absl::string_view channels, absl::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers) {
  std::optional<HttpResponseView> r =
      Fetch(port, "POST", absl::StrCat("/pub?id=", channels), headers, body);
  return r ? r->status : -1;
}

std::string LayoutJson(int64_t id, absl::string_view channel, absl::string_view text, int64_t tag,
                       absl::string_view time, absl::string_view event_id) {
  return absl::StrCat("{\"id\":", id, ",\"channel\":\"", channel, "\",\"text\":\"", text,
                      "\", \"tag\":\"", tag, "\", \"time\":\"", time, "\", \"eventid\":\"",
                      event_id, "\"}");
}

}  // namespace pushgw::testing
