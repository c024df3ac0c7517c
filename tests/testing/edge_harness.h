// Integration-test harness: a real gateway (store + Beast edge + cleanup loop)
// on 127.0.0.1 port 0, and a raw blocking TCP client that speaks HTTP/1.x and
// WebSocket byte by byte, so tests assert exact wire bytes. Every wait has a
// deadline; nothing sleeps for a fixed time.
// Not thread-safe: one test thread drives each client.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/options.h"
#include "core/store.h"
#include "gateway/server.h"

namespace pushgw::testing {

// The reference layout (SPEC §3) and the limits profile (SPEC §3.5), loaded
// from config/ exactly as the binary does, listening on 127.0.0.1:0.
core::ServerConfig LayoutConfig();
core::ServerConfig LimitsConfig();

class TestGateway {
 public:
  // Starts the gateway; `workers` overrides the config's worker count.
  explicit TestGateway(core::ServerConfig config, int workers = 2);
  ~TestGateway();

  int port() const { return server_->port(); }
  core::Store& store() { return *store_; }
  gateway::HttpServer& server() { return *server_; }
  const core::ServerConfig& config() const { return config_; }

  // Waits until `condition` holds or `timeout` passes; returns whether it held.
  static bool WaitFor(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(5));
  // Waits until the store counts `n` subscribers on channel `id`.
  bool WaitForSubscribers(absl::string_view id, int64_t n,
                          absl::Duration timeout = absl::Seconds(5));

 private:
  void CleanupLoop();

  core::ServerConfig config_;
  std::unique_ptr<core::Store> store_;
  std::unique_ptr<gateway::HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread cleanup_;
};

struct HttpResponseView {
  int status = 0;
  std::string status_line;  // "HTTP/1.1 200 OK"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string head;  // raw bytes up to and including the blank line
  std::string body;  // decoded (chunked framing removed)
  bool chunked = false;
  std::optional<std::string> Header(absl::string_view name) const;  // case-insensitive
  bool HasHeader(absl::string_view name) const { return Header(name).has_value(); }
};

struct WsFrame {
  uint8_t first = 0;  // FIN/RSV/opcode byte
  std::string payload;
  std::string raw;  // the frame's exact bytes
  uint8_t opcode() const { return first & 0x0F; }
};

class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Send(absl::string_view bytes);
  // Half-closes the writing side.
  void ShutdownWrite();

  // Reads until pred(unconsumed bytes) is true, EOF, or the deadline.
  // Returns pred's final value.
  bool ReadUntil(const std::function<bool(const std::string&)>& pred,
                 absl::Duration timeout = absl::Seconds(5));
  // Reads exactly n bytes (fewer on EOF/timeout) and consumes them.
  std::string ReadExactly(size_t n, absl::Duration timeout = absl::Seconds(5));
  // True if the peer closed (EOF or reset) within the timeout; unread bytes stay.
  bool WaitClosed(absl::Duration timeout = absl::Seconds(5));
  // True if nothing arrives (and the connection stays open) for `quiet`.
  bool ExpectSilence(absl::Duration quiet);
  bool closed() const { return eof_; }

  // A whole response: head, then a body by Content-Length, chunked (until the
  // last chunk), or until close. `head_only` for answers to HEAD.
  std::optional<HttpResponseView> ReadResponse(absl::Duration timeout = absl::Seconds(5),
                                               bool head_only = false);
  // Only the head (for streams); the body is read with ReadChunkedUntil.
  std::optional<HttpResponseView> ReadHead(absl::Duration timeout = absl::Seconds(5));
  // Decodes chunks into `body_` until pred(body so far) or the last chunk.
  // Returns the decoded body so far (accumulates across calls).
  const std::string& ReadChunkedUntil(const std::function<bool(const std::string&)>& pred,
                                      absl::Duration timeout = absl::Seconds(5));
  const std::string& ReadChunkedContaining(absl::string_view needle,
                                           absl::Duration timeout = absl::Seconds(5));
  // True once the last chunk ("0\r\n\r\n") was decoded.
  bool stream_ended() const { return stream_ended_; }
  const std::string& body() const { return body_; }
  void ClearBody() { body_.clear(); }

  // WebSocket: frames from the server, and client frames (masked by default).
  std::optional<WsFrame> ReadFrame(absl::Duration timeout = absl::Seconds(5));
  void SendFrame(uint8_t first_byte, absl::string_view payload, bool mask = true);

  // Unconsumed raw bytes.
  std::string& buffer() { return buffer_; }

 private:
  // One read(2) with a deadline; false on EOF/error/timeout.
  bool ReadSome(absl::Time deadline);
  bool DecodeChunks();

  int fd_ = -1;
  std::string buffer_;
  std::string body_;
  bool eof_ = false;
  bool stream_ended_ = false;
};

// One request on a fresh connection (or `client`), the whole response back.
std::optional<HttpResponseView> Fetch(
    int port, absl::string_view method, absl::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    absl::string_view body = {}, bool http10 = false);
std::string BuildRequest(absl::string_view method, absl::string_view target,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         absl::string_view body = {}, bool http10 = false);

// POST /pub?id=<channels> with `body`; returns the status.
int Publish(int port, absl::string_view channels, absl::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers = {});

// The layout JSON template rendered (SPEC §3.2), for expected bodies.
std::string LayoutJson(int64_t id, absl::string_view channel, absl::string_view text, int64_t tag,
                       absl::string_view time, absl::string_view event_id);

}  // namespace pushgw::testing
