// Message, header and footer templates (SPEC §2.4), compiled once into literal runs and
// placeholders so that rendering is a single pass, linear in the output size.
// Thread-safe: immutable after Compile; Render may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/message.h"

namespace pushgw::core {

class Template {
 public:
  // The empty template, which renders nothing.
  Template() = default;

  // Placeholders (`~id~ ~channel~ ~text~ ~size~ ~time~ ~tag~ ~event-id~ ~event-type~`, any
  // case) are found by one left-to-right scan; all other bytes, unknown `~x~` included, are
  // literal. Never fails.
  static Template Compile(absl::string_view text);

  bool empty() const { return source_.empty(); }
  absl::string_view source() const { return source_; }

  // Appends `m` rendered through the template. Field values are inserted raw (no escaping)
  // and never scanned for placeholders.
  void Render(const Message& m, std::string* out) const;

  // As Render, with `line` standing in for the text in `~text~` and `~size~`: EventSource
  // renders every line of a message's text separately (SPEC §7.4). `line` must not point
  // into `out`, which may be reallocated before `line` is copied.
  void RenderLine(const Message& m, absl::string_view line, std::string* out) const;

 private:
  enum class Kind : uint8_t {
    kLiteral,
    kId,
    kChannel,
    kText,
    kSize,
    kTime,
    kTag,
    kEventId,
    kEventType,
  };
  static constexpr size_t kKindCount = 9;

  struct Piece {
    Kind kind;
    // The literal's bytes in source_; offsets rather than views keep Template copyable.
    size_t begin = 0;
    size_t size = 0;
  };

  void RenderText(const Message& m, absl::string_view text, std::string* out) const;

  std::string source_;
  std::vector<Piece> pieces_;
};

// Decodes a template written as an nginx string (as in SPEC §3): `\r`, `\n`, `\t` become CR,
// LF, TAB; `\"`, `\'`, `\\` become the character; any other backslash stays a backslash.
std::string UnescapeNginxString(absl::string_view text);

}  // namespace pushgw::core
