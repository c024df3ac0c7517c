// Reads a YAML document into a protobuf message by walking the message's
// descriptor, so that every error names the exact field path and YAML line.
// Stateless functions plus a per-load SourceMap; thread-compatible.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace pushgw::config {

// Where each field of one document was written ("locations[2].path" -> line 14,
// column 11), so that errors found after parsing can point at the YAML too.
class SourceMap {
 public:
  explicit SourceMap(std::string source_name) : source_name_(std::move(source_name)) {}

  const std::string& source_name() const { return source_name_; }

  // Line and column are 1-based.
  void Record(const std::string& field_path, int line, int column);

  // "<source>:<line>:<column>: " for the field, or for its nearest recorded
  // parent (an inherited or missing field points at its location), else
  // "<source>: ".
  std::string Locate(absl::string_view field_path) const;

  // InvalidArgument "<where><field_path>: <message>".
  absl::Status Error(absl::string_view field_path, absl::string_view message) const;

 private:
  struct Position {
    int line;
    int column;
  };
  std::string source_name_;
  absl::flat_hash_map<std::string, Position> positions_;
};

// Parses `yaml` into `message` (which is cleared first). Keys are field names;
// unknown keys, duplicate keys and values of the wrong type are errors, as are
// YAML syntax errors. Spelling rules (durations, byte sizes, enums, flattened
// messages) are described in proto/pushgw/config/v1/config.proto. Records the
// position of every field in `source_map`.
absl::Status ParseYamlToProto(absl::string_view yaml, SourceMap& source_map,
                              google::protobuf::Message& message);

// How an enum value is written in YAML: the value name without the enum's
// prefix, lowercase, `-` for `_` (MODE_LONG_POLLING -> "long-polling").
std::string FormatEnumValue(const google::protobuf::EnumValueDescriptor& value);

}  // namespace pushgw::config
