#include "config/yaml_proto.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "pushgw/config/v1/config.pb.h"

namespace pushgw::config {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

constexpr absl::string_view kUnspecifiedSuffix = "_UNSPECIFIED";

std::string JoinPath(absl::string_view parent, absl::string_view name) {
  if (parent.empty()) return std::string(name);
  return absl::StrCat(parent, ".", name);
}

// yaml-cpp tags plain (unquoted, untagged) scalars "?"; quoted ones "!". Only
// plain scalars can be booleans or numbers, as in YAML's core schema.
bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

// How a value appears in "expected X, got Y" messages.
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "an empty value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return IsPlainScalar(node) ? Quote(node.Scalar())
                                 : absl::StrCat("the quoted string ", Quote(node.Scalar()));
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

bool IsDuration(const Descriptor& descriptor) {
  return descriptor.full_name() == "google.protobuf.Duration";
}

// One YAML key of a message: the field it sets, and the flattened message field
// it lives in (nullptr for the message's own fields).
struct KeyTarget {
  const FieldDescriptor* outer = nullptr;
  const FieldDescriptor* field = nullptr;
};

class Parser {
 public:
  explicit Parser(SourceMap& source_map) : source_map_(source_map) {}

  absl::Status ParseMessage(const YAML::Node& node, const std::string& path, Message& message);

 private:
  absl::Status ParseField(const YAML::Node& node, const std::string& path, Message& message,
                          const FieldDescriptor& field);
  absl::Status ParseValue(const YAML::Node& node, const std::string& path, Message& message,
                          const FieldDescriptor& field);
  absl::Status ParseInteger(const YAML::Node& node, const std::string& path, Message& message,
                            const FieldDescriptor& field);
  absl::Status ParseDuration(const YAML::Node& node, const std::string& path, Message& duration);

  absl::Status Fail(const YAML::Mark& mark, absl::string_view path, absl::string_view message) {
    std::string where = source_map_.source_name();
    if (!mark.is_null()) absl::StrAppend(&where, ":", mark.line + 1, ":", mark.column + 1);
    return absl::InvalidArgumentError(path.empty()
                                          ? absl::StrCat(where, ": ", message)
                                          : absl::StrCat(where, ": ", path, ": ", message));
  }
  absl::Status Fail(const YAML::Node& node, absl::string_view path, absl::string_view message) {
    // An empty value's mark is the next token's; the key's recorded position
    // is where the reader has to look.
    if (node.IsNull() && !path.empty()) return source_map_.Error(path, message);
    return Fail(node.Mark(), path, message);
  }

  SourceMap& source_map_;
};

absl::Status Parser::ParseMessage(const YAML::Node& node, const std::string& path,
                                  Message& message) {
  if (node.IsNull()) return absl::OkStatus();  // `store:` with nothing under it
  if (!node.IsMap()) {
    return Fail(node, path,
                absl::StrCat(path.empty() ? "expected a map of settings at the top level"
                                          : "expected a map of settings",
                             ", got ", Describe(node)));
  }
  const Descriptor& descriptor = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();

  absl::flat_hash_map<std::string, KeyTarget> keys;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor* field = descriptor.field(i);
    std::vector<KeyTarget> targets;
    if (field->options().GetExtension(v1::flatten)) {
      const Descriptor& inner = *field->message_type();
      for (int j = 0; j < inner.field_count(); ++j) targets.push_back({field, inner.field(j)});
    } else {
      targets.push_back({nullptr, field});
    }
    for (const KeyTarget& target : targets) {
      if (!keys.emplace(target.field->name(), target).second) {
        return absl::InternalError(absl::StrCat("config schema: ", descriptor.full_name(),
                                                " has two fields spelled ", target.field->name(),
                                                " in YAML"));
      }
    }
  }

  absl::flat_hash_map<std::string, YAML::Mark> seen;
  absl::flat_hash_map<const OneofDescriptor*, std::string> oneof_keys;
  // yaml-cpp iterators yield pairs by value: bind the pair, not its members.
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      return Fail(key, path, absl::StrCat("keys must be setting names, got ", Describe(key)));
    }
    const std::string& name = key.Scalar();
    const std::string field_path = JoinPath(path, name);
    if (auto [previous, inserted] = seen.emplace(name, key.Mark()); !inserted) {
      return Fail(
          key, field_path,
          absl::StrCat("duplicate key (first set on line ", previous->second.line + 1, ")"));
    }
    auto target = keys.find(name);
    if (target == keys.end()) {
      std::string best;
      size_t best_distance = std::max<size_t>(2, name.size() / 4) + 1;
      for (const auto& [candidate, unused] : keys) {
        const size_t distance = EditDistance(name, candidate);
        if (distance < best_distance || (distance == best_distance && candidate < best)) {
          best_distance = distance;
          best = candidate;
        }
      }
      return Fail(key, field_path,
                  best.empty() ? "unknown field"
                               : absl::StrCat("unknown field (did you mean \"", best, "\"?)"));
    }
    const FieldDescriptor& field = *target->second.field;
    if (const OneofDescriptor* oneof = field.real_containing_oneof()) {
      auto [other, inserted] = oneof_keys.emplace(oneof, name);
      if (!inserted) {
        return Fail(key, field_path,
                    absl::StrCat("cannot be set together with ", other->second, " (set only one)"));
      }
    }
    // Null values point at the next token; the key is where the reader looks.
    const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    source_map_.Record(field_path, mark.line + 1, mark.column + 1);

    Message& owner = target->second.outer == nullptr
                         ? message
                         : *reflection.MutableMessage(&message, target->second.outer);
    absl::Status status = ParseField(value, field_path, owner, field);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseField(const YAML::Node& node, const std::string& path, Message& message,
                                const FieldDescriptor& field) {
  if (field.is_map()) {
    return absl::InternalError(absl::StrCat("config schema: map field ", field.full_name(),
                                            " is not supported by the YAML loader"));
  }
  if (!field.is_repeated()) return ParseValue(node, path, message, field);
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsSequence()) {
    return Fail(node, path, absl::StrCat("expected a list, got ", Describe(node)));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node element = node[i];
    const std::string element_path = absl::StrCat(path, "[", i, "]");
    const YAML::Mark mark = element.Mark();
    if (!mark.is_null()) source_map_.Record(element_path, mark.line + 1, mark.column + 1);
    absl::Status status = ParseValue(element, element_path, message, field);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Sets a singular field, or adds one element to a repeated field.
absl::Status Parser::ParseValue(const YAML::Node& node, const std::string& path, Message& message,
                                const FieldDescriptor& field) {
  const Reflection& reflection = *message.GetReflection();
  const bool add = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message& sub = add ? *reflection.AddMessage(&message, &field)
                         : *reflection.MutableMessage(&message, &field);
      if (IsDuration(*field.message_type())) return ParseDuration(node, path, sub);
      return ParseMessage(node, path, sub);
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!node.IsScalar()) {
        return Fail(node, path,
                    absl::StrCat("expected a string, got ", Describe(node),
                                 node.IsNull() ? " (write \"\" for an empty string)" : ""));
      }
      if (add) {
        reflection.AddString(&message, &field, node.Scalar());
      } else {
        reflection.SetString(&message, &field, node.Scalar());
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      // YAML 1.1 spellings too: nginx users write on/off.
      const std::string text = IsPlainScalar(node) ? absl::AsciiStrToLower(node.Scalar()) : "";
      bool value;
      if (text == "true" || text == "on" || text == "yes") {
        value = true;
      } else if (text == "false" || text == "off" || text == "no") {
        value = false;
      } else {
        return Fail(node, path, absl::StrCat("expected true or false, got ", Describe(node)));
      }
      if (add) {
        reflection.AddBool(&message, &field, value);
      } else {
        reflection.SetBool(&message, &field, value);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor& type = *field.enum_type();
      std::vector<std::string> names;
      const EnumValueDescriptor* match = nullptr;
      const std::string wanted =
          node.IsScalar() ? absl::StrReplaceAll(absl::AsciiStrToLower(node.Scalar()), {{"-", "_"}})
                          : "";
      for (int i = 0; i < type.value_count(); ++i) {
        const EnumValueDescriptor& value = *type.value(i);
        if (value.number() == 0 && absl::EndsWith(value.name(), kUnspecifiedSuffix)) continue;
        std::string name = FormatEnumValue(value);
        if (absl::StrReplaceAll(name, {{"-", "_"}}) == wanted) match = &value;
        names.push_back(std::move(name));
      }
      if (match == nullptr && node.IsScalar()) {
        return Fail(node, path,
                    absl::StrCat("invalid value ", Quote(node.Scalar()),
                                 " (expected one of: ", absl::StrJoin(names, ", "), ")"));
      }
      if (match == nullptr) {
        return Fail(node, path,
                    absl::StrCat("expected one of: ", absl::StrJoin(names, ", "), "; got ",
                                 Describe(node)));
      }
      if (add) {
        reflection.AddEnum(&message, &field, match);
      } else {
        reflection.SetEnum(&message, &field, match);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return ParseInteger(node, path, message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      break;
  }
  return absl::InternalError(absl::StrCat("config schema: field ", field.full_name(),
                                          " has a type the YAML loader does not support"));
}

// Parses "32768", "32k", "32K", "32KiB", "1m", "100MiB", "1g" (k = 1024).
bool ParseByteSize(absl::string_view text, uint64_t& bytes) {
  text = absl::StripAsciiWhitespace(text);
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  if (digits == 0) return false;
  uint64_t number;
  if (!absl::SimpleAtoi(text.substr(0, digits), &number)) return false;
  const absl::string_view suffix = absl::StripLeadingAsciiWhitespace(text.substr(digits));
  int shift;
  if (suffix.empty()) {
    shift = 0;
  } else if (suffix == "k" || suffix == "K" || suffix == "KiB") {
    shift = 10;
  } else if (suffix == "m" || suffix == "M" || suffix == "MiB") {
    shift = 20;
  } else if (suffix == "g" || suffix == "G" || suffix == "GiB") {
    shift = 30;
  } else {
    return false;
  }
  if (number > (std::numeric_limits<uint64_t>::max() >> shift)) return false;
  bytes = number << shift;
  return true;
}

absl::Status Parser::ParseInteger(const YAML::Node& node, const std::string& path, Message& message,
                                  const FieldDescriptor& field) {
  const Reflection& reflection = *message.GetReflection();
  const bool is_unsigned = field.cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
                           field.cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
  const bool is_byte_size = field.options().GetExtension(v1::byte_size);
  uint64_t magnitude = 0;
  bool negative = false;
  if (is_byte_size && is_unsigned) {
    // Sizes may be written as strings ("32k"), so quoting does not matter here.
    const bool looks_negative =
        node.IsScalar() && absl::StartsWith(absl::StripAsciiWhitespace(node.Scalar()), "-");
    if (!node.IsScalar() || !ParseByteSize(node.Scalar(), magnitude)) {
      return Fail(
          node, path,
          absl::StrCat(node.IsScalar() ? absl::StrCat("invalid size ", Quote(node.Scalar()))
                                       : absl::StrCat("expected a size, got ", Describe(node)),
                       looks_negative ? " (must not be negative)"
                                      : " (expected a byte count such as 32768, 32k, "
                                        "32KiB, 1m or 100MiB; k = 1024)"));
    }
  } else {
    absl::string_view text = IsPlainScalar(node) ? absl::string_view(node.Scalar()) : "";
    negative = absl::ConsumePrefix(&text, "-");
    if (text.empty() || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
      return Fail(node, path, absl::StrCat("expected an integer, got ", Describe(node)));
    }
    if (!absl::SimpleAtoi(text, &magnitude)) {
      return Fail(node, path, absl::StrCat("integer ", Quote(node.Scalar()), " is out of range"));
    }
    if (negative && magnitude == 0) negative = false;  // "-0"
    if (negative && is_unsigned) {
      return Fail(node, path, absl::StrCat("must not be negative, got ", node.Scalar()));
    }
  }
  uint64_t max = 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      max = negative ? uint64_t{1} << 31 : std::numeric_limits<int32_t>::max();
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      max = negative ? uint64_t{1} << 63 : std::numeric_limits<int64_t>::max();
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      max = std::numeric_limits<uint32_t>::max();
      break;
    default:
      max = std::numeric_limits<uint64_t>::max();
      break;
  }
  if (magnitude > max) {
    return Fail(node, path,
                absl::StrCat(Quote(node.Scalar()), " is out of range (at most ",
                             negative ? "-" : "", max, ")"));
  }
  const bool add = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      // Two's complement negation of the magnitude, well defined for INT32_MIN.
      const auto value =
          static_cast<int32_t>(negative ? 0 - static_cast<uint32_t>(magnitude) : magnitude);
      if (add) {
        reflection.AddInt32(&message, &field, value);
      } else {
        reflection.SetInt32(&message, &field, value);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const auto value = static_cast<int64_t>(negative ? 0 - magnitude : magnitude);
      if (add) {
        reflection.AddInt64(&message, &field, value);
      } else {
        reflection.SetInt64(&message, &field, value);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto value = static_cast<uint32_t>(magnitude);
      if (add) {
        reflection.AddUInt32(&message, &field, value);
      } else {
        reflection.SetUInt32(&message, &field, value);
      }
      break;
    }
    default:
      if (add) {
        reflection.AddUInt64(&message, &field, magnitude);
      } else {
        reflection.SetUInt64(&message, &field, magnitude);
      }
      break;
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseDuration(const YAML::Node& node, const std::string& path,
                                   Message& duration) {
  if (!node.IsScalar()) {
    return Fail(node, path,
                absl::StrCat("expected a duration such as 30s, 5m or 1h, got ", Describe(node)));
  }
  const std::string& text = node.Scalar();
  absl::Duration value;
  if (!absl::ParseDuration(text, &value)) {
    const bool bare_number =
        !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
    return Fail(node, path,
                absl::StrCat("invalid duration ", Quote(text),
                             bare_number ? " (a unit is required: e.g. 30s, 5m, 1h)"
                                         : " (expected e.g. 30s, 5m, 1h)"));
  }
  if (value < absl::ZeroDuration()) {
    return Fail(node, path,
                absl::StrCat("invalid duration ", Quote(text), " (must not be negative)"));
  }
  if (value == absl::InfiniteDuration()) {
    return Fail(node, path,
                absl::StrCat("invalid duration ", Quote(text),
                             " (must be finite; leave it unset "
                             "instead)"));
  }
  const int64_t seconds = absl::IDivDuration(value, absl::Seconds(1), &value);
  const Descriptor& descriptor = *duration.GetDescriptor();
  const Reflection& reflection = *duration.GetReflection();
  reflection.SetInt64(&duration, descriptor.FindFieldByName("seconds"), seconds);
  reflection.SetInt32(&duration, descriptor.FindFieldByName("nanos"),
                      static_cast<int32_t>(absl::ToInt64Nanoseconds(value)));
  return absl::OkStatus();
}

}  // namespace

void SourceMap::Record(const std::string& field_path, int line, int column) {
  positions_[field_path] = Position{line, column};
}

std::string SourceMap::Locate(absl::string_view field_path) const {
  absl::string_view path = field_path;
  while (!path.empty()) {
    if (auto it = positions_.find(path); it != positions_.end()) {
      return absl::StrCat(source_name_, ":", it->second.line, ":", it->second.column, ": ");
    }
    // "locations[2].path" -> "locations[2]" -> "locations"
    const size_t cut = path.find_last_of(".[");
    path = path.substr(0, cut == absl::string_view::npos ? 0 : cut);
  }
  return absl::StrCat(source_name_, ": ");
}

absl::Status SourceMap::Error(absl::string_view field_path, absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Locate(field_path), field_path, ": ", message));
}

std::string FormatEnumValue(const EnumValueDescriptor& value) {
  absl::string_view name = value.name();
  // The enum's prefix is what precedes UNSPECIFIED in its zero value
  // (MODE_UNSPECIFIED -> MODE_), per the protobuf style guide.
  const EnumValueDescriptor* zero = value.type()->FindValueByNumber(0);
  if (zero != nullptr && absl::EndsWith(zero->name(), kUnspecifiedSuffix)) {
    absl::ConsumePrefix(&name, absl::string_view(zero->name())
                                   .substr(0, zero->name().size() - kUnspecifiedSuffix.size() + 1));
  }
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

absl::Status ParseYamlToProto(absl::string_view yaml, SourceMap& source_map, Message& message) {
  message.Clear();
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    std::string where = source_map.source_name();
    if (!e.mark.is_null()) absl::StrAppend(&where, ":", e.mark.line + 1, ":", e.mark.column + 1);
    return absl::InvalidArgumentError(absl::StrCat(where, ": YAML syntax error: ", e.msg));
  }
  if (documents.empty()) return absl::OkStatus();  // empty file: every setting unset
  if (documents.size() > 1) {
    const YAML::Mark mark = documents[1].Mark();
    return absl::InvalidArgumentError(
        absl::StrCat(source_map.source_name(), mark.is_null() ? "" : ":",
                     mark.is_null() ? "" : absl::StrCat(mark.line + 1, ":", mark.column + 1),
                     ": only one YAML document is allowed"));
  }
  // The walk only reads nodes it checked, but yaml-cpp reports anything
  // unexpected by exception; keep exceptions from escaping the loader.
  try {
    return Parser(source_map).ParseMessage(documents[0], "", message);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_map.source_name(), ":", e.mark.line + 1, ": ", e.msg));
  }
}

}  // namespace pushgw::config
