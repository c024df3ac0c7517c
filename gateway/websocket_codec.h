// The WebSocket wire format of SPEC §7.8 (RFC 6455 as pushgw speaks it): the handshake
// answer, the server's frames byte-exactly, and an incremental parser of client frames.
// No I/O. Free functions are thread-safe; a FrameParser belongs to one connection (one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace pushgw::gateway::ws {

// Frame opcodes (RFC 6455 §5.2).
inline constexpr uint8_t kOpContinuation = 0x0;
inline constexpr uint8_t kOpText = 0x1;
inline constexpr uint8_t kOpBinary = 0x2;
inline constexpr uint8_t kOpClose = 0x8;
inline constexpr uint8_t kOpPing = 0x9;
inline constexpr uint8_t kOpPong = 0xA;

// Largest payload of a control frame (close, ping, pong).
inline constexpr size_t kMaxControlPayload = 125;

// Server frames without payload, sent as they are (shared, never rebuilt).
inline constexpr absl::string_view kEmptyCloseFrame("\x88\x00", 2);
inline constexpr absl::string_view kEmptyPingFrame("\x89\x00", 2);

// ---- Handshake ----

// Sec-WebSocket-Accept for a Sec-WebSocket-Key taken as sent:
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string AcceptKey(absl::string_view sec_websocket_key);

// The complete 101 answer of §7.8 step 5 (no Server, Date, subprotocol or extension).
std::string HandshakeResponse(absl::string_view accept_key);

// ---- Server frames (unmasked, FIN set) ----

// Appends the header of a final, unmasked frame: the length takes 1 byte up to 125,
// 0x7E + 16-bit big-endian up to 65535, 0x7F + 64-bit big-endian beyond.
void AppendFrameHeader(uint8_t opcode, uint64_t payload_length, std::string* out);

// One text frame carrying `payload` (a message rendered once and shared by all sessions).
std::string TextFrame(absl::string_view payload);

// The pong answering a ping: echoes its payload (Δc). A payload from FrameParser always
// fits a control frame; a longer one is truncated to kMaxControlPayload bytes.
std::string PongFrame(absl::string_view ping_payload);

// The 1008 close frame answering a channel error after the 101 (§7.8 step 6):
// \x88 <len> \x03\xF0 {"http_status": <status>, "explain":"<explain>"}, inserted raw.
// The payload must fit one length byte: a longer explain is cut at a UTF-8 character
// boundary (every explain of SPEC §6 fits).
std::string PolicyCloseFrame(int http_status, absl::string_view explain);

// ---- UTF-8 ----

// Strict RFC 3629: shortest forms only, no surrogates (U+D800-DFFF), nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);

// ---- Client frames ----

// What FrameParser::Next found, and what the session must do (§7.8 client table).
enum class ClientEventType : uint8_t {
  // Input exhausted inside a frame: read more bytes from the socket.
  kNeedMoreData,
  // A complete text message, reassembled and valid UTF-8: publish it if
  // websocket_allow_publish is on, else ignore it.
  kText,
  // A ping: send PongFrame(payload).
  kPing,
  // A pong: nothing to do.
  kPong,
  // A close frame, any payload (payload holds it raw): send kEmptyCloseFrame, then close
  // the TCP connection (Δx2).
  kClose,
  // Binary frame, reserved opcode, fragment sequence error (continuation with no message
  // open, a new data frame while one is open), fragmented control frame or control payload
  // over 125 bytes: send kEmptyCloseFrame, then close the TCP connection.
  kProtocolError,
  // The complete text message is not valid UTF-8: close the TCP connection WITHOUT a close
  // frame and publish nothing.
  kInvalidUtf8,
  // A frame header announced a text message (running total of its fragments included) larger
  // than max_message_size; detected before its payload is read. A pushgw limit the module
  // lacks: send kEmptyCloseFrame, then close the TCP connection (count it in metrics).
  kMessageTooBig,
};

struct ClientEvent {
  ClientEventType type = ClientEventType::kNeedMoreData;
  // Message text (kText), ping/pong/close payload (kPing/kPong/kClose), else empty.
  // Owned: a kText payload can be moved straight into the published message.
  std::string payload;
};

// Incremental parser of client frames. Feed it whatever the socket produced, in order;
// frames may be split anywhere (even byte by byte) and several may share one chunk (Δe):
//
//   absl::string_view in(buffer, bytes_read);
//   for (;;) {
//     ClientEvent event = parser.Next(&in);
//     if (event.type == ClientEventType::kNeedMoreData) break;  // `in` is now empty
//     ... act on event; stop reading after kClose or an error ...
//   }
//
// Masked and unmasked frames are accepted, RSV bits ignored, control frames between the
// fragments of a text message handled normally and UTF-8 checked on the reassembled
// message (Δx3). Memory: at most the current text message, one control payload (<= 125
// bytes) and one frame header; nothing is preallocated, and a delivered message's buffer
// leaves with the event. Not thread-safe.
class FrameParser {
 public:
  // `max_message_size`: the largest text message accepted (LocationOptions::
  // websocket_max_message_size).
  explicit FrameParser(uint64_t max_message_size) : max_message_size_(max_message_size) {}

  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  // Consumes bytes from the front of `*input` up to the end of the next event and returns
  // it; kNeedMoreData when `*input` ran out first (all of it then consumed). After kClose or
  // an error the parser is finished: further calls consume nothing and repeat that event
  // (without payload).
  ClientEvent Next(absl::string_view* input);

  // True between frames with no partial message held: nothing buffered.
  bool idle() const { return state_ == State::kHeader && header_size_ == 0 && !message_open_; }
  // True once kClose or an error was returned.
  bool finished() const { return state_ == State::kFinished; }

 private:
  enum class State : uint8_t { kHeader, kPayload, kFinished };

  // Once the first two header bytes are in: checks opcode and sequence rules and
  // returns the header's full size, or sets *error.
  size_t CheckFirstBytes(ClientEventType* error) const;
  // Once the whole header is in: decodes length and mask, checks the size limit.
  bool DecodeHeader(ClientEventType* error);
  // The current frame's payload is complete: the event it produces, or kNeedMoreData
  // when it produces none (a non-final fragment).
  ClientEvent FinishFrame();
  ClientEvent Finish(ClientEventType type, std::string payload = {});

  uint64_t max_message_size_;
  std::string message_;     // text message being reassembled (unmasked)
  std::string control_;     // payload of the current control frame (unmasked)
  uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  uint64_t received_ = 0;   // payload bytes of the current frame already in (mask phase)
  State state_ = State::kHeader;
  ClientEventType final_event_ = ClientEventType::kNeedMoreData;
  bool message_open_ = false;  // a text frame without FIN was seen, its end not yet
  bool fin_ = false;
  bool masked_ = false;
  uint8_t opcode_ = 0;
  uint8_t header_size_ = 0;  // bytes of header_ filled
  uint8_t header_[14] = {};  // 2 + 8 (length) + 4 (mask) at most
  uint8_t mask_[4] = {};
};

}  // namespace pushgw::gateway::ws
