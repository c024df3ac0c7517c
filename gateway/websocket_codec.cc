#include "gateway/websocket_codec.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace pushgw::gateway::ws {
namespace {

constexpr absl::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool IsControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

// XORs `data` with the 4-byte mask, `offset` being the position of data[0] in the payload.
void Unmask(const uint8_t mask[4], uint64_t offset, char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    data[i] = static_cast<char>(data[i] ^ mask[(offset + i) & 3]);
  }
}

}  // namespace

std::string AcceptKey(absl::string_view sec_websocket_key) {
  const std::string input = absl::StrCat(sec_websocket_key, kAcceptGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HandshakeResponse(absl::string_view accept_key) {
  return absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
      "Cache-Control: no-cache, no-store, must-revalidate\r\n"
      "Upgrade: WebSocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      accept_key, "\r\n\r\n");
}

void AppendFrameHeader(uint8_t opcode, uint64_t payload_length, std::string* out) {
  out->push_back(static_cast<char>(0x80 | (opcode & 0x0F)));
  if (payload_length <= 125) {
    out->push_back(static_cast<char>(payload_length));
    return;
  }
  const int length_bytes = payload_length <= 0xFFFF ? 2 : 8;
  out->push_back(static_cast<char>(length_bytes == 2 ? 0x7E : 0x7F));
  for (int shift = 8 * (length_bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((payload_length >> shift) & 0xFF));
  }
}

std::string TextFrame(absl::string_view payload) {
  std::string frame;
  frame.reserve(10 + payload.size());
  AppendFrameHeader(kOpText, payload.size(), &frame);
  frame.append(payload.data(), payload.size());
  return frame;
}

std::string PongFrame(absl::string_view ping_payload) {
  ping_payload = ping_payload.substr(0, kMaxControlPayload);
  std::string frame;
  frame.reserve(2 + ping_payload.size());
  AppendFrameHeader(kOpPong, ping_payload.size(), &frame);
  frame.append(ping_payload.data(), ping_payload.size());
  return frame;
}

std::string PolicyCloseFrame(int http_status, absl::string_view explain) {
  const std::string head = absl::StrCat("{\"http_status\": ", http_status, ", \"explain\":\"");
  constexpr absl::string_view kTail = "\"}";
  constexpr size_t kStatusCodeSize = 2;  // 1008 = \x03\xF0
  const size_t fixed = kStatusCodeSize + head.size() + kTail.size();
  size_t keep = explain.size();
  if (fixed + keep > kMaxControlPayload) {
    keep = kMaxControlPayload > fixed ? kMaxControlPayload - fixed : 0;
    // Do not leave half a character: back off while the first dropped byte continues one.
    while (keep > 0 && (static_cast<uint8_t>(explain[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string frame;
  frame.reserve(2 + fixed + keep);
  AppendFrameHeader(kOpClose, fixed + keep, &frame);
  frame.append("\x03\xF0");
  frame.append(head);
  frame.append(explain.data(), keep);
  frame.append(kTail.data(), kTail.size());
  return frame;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = p + text.size();
  while (p < end) {
    // ASCII runs, eight bytes at a time.
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof(word));
      if ((word & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    const uint8_t lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    // Table 3-7 of the Unicode standard: the second byte's range depends on the lead.
    int continuation;
    uint8_t low = 0x80;
    uint8_t high = 0xBF;
    if (lead < 0xC2) {
      return false;  // stray continuation byte, or C0/C1 (overlong 2-byte form)
    } else if (lead < 0xE0) {
      continuation = 1;
    } else if (lead < 0xF0) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong 3-byte form
      if (lead == 0xED) high = 0x9F;  // surrogates U+D800-DFFF
    } else if (lead < 0xF5) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;   // overlong 4-byte form
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;  // F5-FF: above U+10FFFF or never valid
    }
    if (end - p <= continuation) return false;  // truncated
    if (p[1] < low || p[1] > high) return false;
    for (int i = 2; i <= continuation; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += continuation + 1;
  }
  return true;
}

ClientEvent FrameParser::Next(absl::string_view* input) {
  if (state_ == State::kFinished) return ClientEvent{final_event_, {}};
  for (;;) {
    if (state_ == State::kHeader) {
      while (header_size_ < 2) {
        if (input->empty()) return ClientEvent{};
        header_[header_size_++] = static_cast<uint8_t>(input->front());
        input->remove_prefix(1);
      }
      ClientEventType error = ClientEventType::kNeedMoreData;
      const size_t full_size = CheckFirstBytes(&error);
      if (full_size == 0) return Finish(error);
      const size_t take = std::min(full_size - header_size_, input->size());
      if (take > 0) std::memcpy(header_ + header_size_, input->data(), take);
      header_size_ += static_cast<uint8_t>(take);
      input->remove_prefix(take);
      if (header_size_ < full_size) return ClientEvent{};
      if (!DecodeHeader(&error)) return Finish(error);
      header_size_ = 0;
      state_ = State::kPayload;
    }

    if (remaining_ > 0) {
      if (input->empty()) return ClientEvent{};
      const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, input->size()));
      std::string& target = IsControl(opcode_) ? control_ : message_;
      const size_t old_size = target.size();
      target.append(input->data(), n);
      if (masked_) Unmask(mask_, received_, &target[old_size], n);
      input->remove_prefix(n);
      received_ += n;
      remaining_ -= n;
      if (remaining_ > 0) return ClientEvent{};
    }
    state_ = State::kHeader;
    ClientEvent event = FinishFrame();
    if (event.type != ClientEventType::kNeedMoreData) return event;
  }
}

size_t FrameParser::CheckFirstBytes(ClientEventType* error) const {
  const bool fin = (header_[0] & 0x80) != 0;
  const uint8_t opcode = header_[0] & 0x0F;
  const uint8_t length7 = header_[1] & 0x7F;
  bool ok;
  switch (opcode) {
    case kOpContinuation:
      ok = message_open_;
      break;
    case kOpText:
      ok = !message_open_;
      break;
    case kOpClose:
    case kOpPing:
    case kOpPong:
      ok = fin && length7 <= kMaxControlPayload;
      break;
    default:  // binary and reserved opcodes
      ok = false;
      break;
  }
  if (!ok) {
    *error = ClientEventType::kProtocolError;
    return 0;
  }
  const size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  const size_t mask_bytes = (header_[1] & 0x80) != 0 ? 4 : 0;
  return 2 + length_bytes + mask_bytes;
}

bool FrameParser::DecodeHeader(ClientEventType* error) {
  fin_ = (header_[0] & 0x80) != 0;
  opcode_ = header_[0] & 0x0F;
  masked_ = (header_[1] & 0x80) != 0;
  const uint8_t length7 = header_[1] & 0x7F;
  size_t pos = 2;
  uint64_t length = length7;
  if (length7 >= 126) {
    const size_t length_bytes = length7 == 126 ? 2 : 8;
    length = 0;
    for (size_t i = 0; i < length_bytes; ++i) length = (length << 8) | header_[pos++];
    if (length >> 63 != 0) {  // RFC 6455 §5.2: the most significant bit must be 0
      *error = ClientEventType::kProtocolError;
      return false;
    }
  }
  if (masked_) std::memcpy(mask_, header_ + pos, sizeof(mask_));
  if (IsControl(opcode_)) {
    control_.clear();
  } else if (length > max_message_size_ - message_.size()) {  // message_.size() <= max
    *error = ClientEventType::kMessageTooBig;
    return false;
  }
  remaining_ = length;
  received_ = 0;
  return true;
}

ClientEvent FrameParser::FinishFrame() {
  switch (opcode_) {
    case kOpText:
    case kOpContinuation: {
      if (!fin_) {
        message_open_ = true;
        return ClientEvent{};
      }
      message_open_ = false;
      // The buffer leaves with the event: an idle parser holds no memory.
      std::string text = std::move(message_);
      message_.clear();
      if (!IsValidUtf8(text)) return Finish(ClientEventType::kInvalidUtf8);
      return ClientEvent{ClientEventType::kText, std::move(text)};
    }
    case kOpPing:
    case kOpPong: {
      ClientEvent event{opcode_ == kOpPing ? ClientEventType::kPing : ClientEventType::kPong,
                        std::move(control_)};
      control_.clear();
      return event;
    }
    default:  // kOpClose; CheckFirstBytes let no other opcode through
      return Finish(ClientEventType::kClose, std::move(control_));
  }
}

ClientEvent FrameParser::Finish(ClientEventType type, std::string payload) {
  state_ = State::kFinished;
  final_event_ = type;
  message_open_ = false;
  std::string().swap(message_);
  std::string().swap(control_);
  return ClientEvent{type, std::move(payload)};
}

}  // namespace pushgw::gateway::ws
