#include "core/selection.h"

#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/http_date.h"

namespace pushgw::core {
namespace {

// The argument when it is non-empty, else the header when allowed and non-empty.
const std::optional<std::string>& Pick(const std::optional<std::string>& arg,
                                       const std::optional<std::string>& header,
                                       bool headers_allowed) {
  static const std::optional<std::string> kAbsent;
  if (arg.has_value() && !arg->empty()) return arg;
  if (headers_allowed && header.has_value() && !header->empty()) return header;
  return kAbsent;
}

}  // namespace

std::optional<int64_t> ParseResumeTag(absl::string_view value) {
  if (value.size() > 2 && absl::StartsWith(value, "W/")) value.remove_prefix(2);
  if (value.empty()) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t tag = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const int d = c - '0';
    if (tag > (kMax - d) / 10) return std::nullopt;
    tag = tag * 10 + d;
  }
  return tag;
}

ResumeValues ResolveResumeValues(const ResumeSources& sources) {
  const bool headers = sources.headers_allowed;
  ResumeValues resume;
  if (const auto& time = Pick(sources.time_arg, sources.if_modified_since, headers)) {
    resume.time = ParseHttpDate(*time);
  }
  if (const auto& tag = Pick(sources.tag_arg, sources.if_none_match, headers)) {
    resume.tag = ParseResumeTag(*tag);
  }
  resume.event_id = Pick(sources.eventid_arg, sources.last_event_id, headers);
  return resume;
}

size_t OldMessagesStart(const std::deque<MessagePtr>& stored, int64_t backtrack,
                        const ResumeValues& resume) {
  const size_t size = stored.size();
  if (backtrack > 0) {
    return static_cast<uint64_t>(backtrack) >= size ? 0 : size - static_cast<size_t>(backtrack);
  }
  // The resolver never yields these, but a negative time or an empty id must not select
  // anything: the module treats them as "not given".
  const bool has_event_id = resume.event_id.has_value() && !resume.event_id->empty();
  const bool has_time = resume.time.has_value() && *resume.time >= 0;
  if (!has_event_id && !has_time) return size;  // a tag alone selects nothing (Δg 5)

  for (size_t i = 0; i < size; ++i) {
    const Message& m = *stored[i];
    if (has_event_id && m.event_id() == resume.event_id) return i + 1;
    if (has_time) {
      const int64_t t = *resume.time;
      if (m.time() > t) return i;
      if (m.time() == t && resume.tag.has_value() && m.tag() >= *resume.tag) {
        // The client already has the message carrying exactly its (time, tag).
        return m.tag() == *resume.tag ? i + 1 : i;
      }
    }
  }
  return size;
}

std::vector<MessagePtr> SelectOldMessages(const std::deque<MessagePtr>& stored, int64_t backtrack,
                                          const ResumeValues& resume) {
  const size_t start = OldMessagesStart(stored, backtrack, resume);
  return std::vector<MessagePtr>(stored.begin() + static_cast<std::ptrdiff_t>(start), stored.end());
}

Validators Validators::Make(int64_t time, std::optional<int64_t> tag) {
  Validators v;
  if (time > 0) v.last_modified = time;
  if (tag.has_value() && *tag >= 0) v.etag = tag;
  return v;
}

std::optional<std::string> Validators::LastModifiedValue() const {
  if (!last_modified.has_value()) return std::nullopt;
  return FormatHttpDate(*last_modified);
}

std::optional<std::string> Validators::EtagValue() const {
  if (!etag.has_value()) return std::nullopt;
  return absl::StrCat("W/", *etag);
}

Validators LiveMessageValidators(const Message& message) {
  return Validators::Make(message.time(), message.tag());
}

Validators TimeoutValidators(int64_t now_seconds) { return Validators::Make(now_seconds, 0); }

Validators NotModifiedValidators(const ResumeValues& resume) {
  return OldMessagesValidators(resume).Get();
}

OldMessagesValidators::OldMessagesValidators(const ResumeValues& resume)
    : time_(resume.time.value_or(0) > 0 ? *resume.time : 0), tag_(resume.tag.value_or(-1)) {}

void OldMessagesValidators::AddChannel(int64_t last_message_time, int64_t last_message_tag) {
  if (std::make_pair(last_message_time, last_message_tag) > std::make_pair(time_, tag_)) {
    time_ = last_message_time;
    tag_ = last_message_tag;
  }
}

Validators OldMessagesValidators::Get() const {
  return Validators::Make(time_, tag_);  // Make drops the -1 "no tag"
}

}  // namespace pushgw::core
