// Resume values (SPEC §8.3), old-message selection (§8.4) and the Last-Modified / Etag
// validators of polling and long-polling answers (§7.5, §7.6, §8.5).
// Thread-safe: pure functions and plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/message.h"

namespace pushgw::core {

// Where a subscriber resumes from. Absent means "not given"; the resolver never produces a
// negative time or tag nor an empty event id.
struct ResumeValues {
  std::optional<int64_t> time;          // seconds since the epoch
  std::optional<int64_t> tag;           // tie-breaker within `time`
  std::optional<std::string> event_id;  // exact bytes of the last Event-Id seen

  friend bool operator==(const ResumeValues& a, const ResumeValues& b) {
    return a.time == b.time && a.tag == b.tag && a.event_id == b.event_id;
  }
};

// An If-None-Match / `tag` value: an optional `W/` (stripped only when the value is longer
// than 2 bytes, as the module does), then an unsigned decimal integer and nothing else.
// Quoted values (`"3"`), signs, spaces, overflow and the bare `W/` are std::nullopt.
std::optional<int64_t> ParseResumeTag(absl::string_view value);

// The raw inputs of the resume values of one subscriber request.
struct ResumeSources {
  // The `time`, `tag` and `eventid` query arguments, already percent-decoded (§8.2);
  // std::nullopt when the argument is not in the query.
  std::optional<std::string> time_arg;
  std::optional<std::string> tag_arg;
  std::optional<std::string> eventid_arg;
  // The If-Modified-Since, If-None-Match and Last-Event-Id request headers, as sent.
  std::optional<std::string> if_modified_since;
  std::optional<std::string> if_none_match;
  std::optional<std::string> last_event_id;
  // False on `/jsonp/`, whose only source is the query (Δb).
  bool headers_allowed = true;
};

// Δb: each value comes from its query argument when that is non-empty, else from its header
// (when allowed); empty values count as absent. A non-empty argument wins even when it does
// not parse, so `time=Thu,+01+Jan+...` is an absent time, not a fallback to the header.
ResumeValues ResolveResumeValues(const ResumeSources& sources);

// A channel's old messages are always a suffix of its stored queue (oldest first). Returns
// where that suffix starts: stored.size() when nothing is to be sent. `backtrack` > 0 wins
// over `resume`; otherwise the first message matching the event id (delivery starts after
// it) or the time/tag (delivery starts at it, skipping an exact (time, tag) match) decides.
// Linear in the queue length, and only up to the starting point.
size_t OldMessagesStart(const std::deque<MessagePtr>& stored, int64_t backtrack,
                        const ResumeValues& resume);

// The old messages of one channel, oldest first (see OldMessagesStart).
std::vector<MessagePtr> SelectOldMessages(const std::deque<MessagePtr>& stored, int64_t backtrack,
                                          const ResumeValues& resume);

// The Last-Modified and Etag headers of a polling or long-polling answer. Every answer
// follows the module's one rule (see Make): Last-Modified only for a time after the epoch,
// Etag only when there is a tag.
struct Validators {
  std::optional<int64_t> last_modified;  // seconds since the epoch, > 0
  std::optional<int64_t> etag;           // the tag, >= 0

  static Validators Make(int64_t time, std::optional<int64_t> tag);

  // Header values: `Thu, 01 Jan 2015 10:20:30 GMT` and `W/<tag>`.
  std::optional<std::string> LastModifiedValue() const;
  std::optional<std::string> EtagValue() const;

  friend bool operator==(const Validators& a, const Validators& b) {
    return a.last_modified == b.last_modified && a.etag == b.etag;
  }
};

// A long-poll answered by a live message: that message's time and tag.
Validators LiveMessageValidators(const Message& message);

// A long-poll that timed out or whose channel was deleted: (now, 0), so `Etag: W/0` (Δg 6).
Validators TimeoutValidators(int64_t now_seconds);

// A polling 304: the request's own resume values echoed back (Δg 7), so a client keeps its
// position. Same as an OldMessagesValidators to which no channel was added.
Validators NotModifiedValidators(const ResumeValues& resume);

// The validators of a 200 answer carrying old messages: starts at the resume values (time
// or 0, tag or none) and is raised, (time, tag) compared lexicographically, to the newest
// message of each channel that had messages to send. The Etag is therefore present unless
// no tag was given and every such channel is older than the resume time (a backtrack or
// event id combined with a future time), exactly as in the module; it is never invented.
class OldMessagesValidators {
 public:
  explicit OldMessagesValidators(const ResumeValues& resume);

  // A channel's last_message_time / last_message_tag; call only for channels that had old
  // messages to send.
  void AddChannel(int64_t last_message_time, int64_t last_message_tag);

  Validators Get() const;

 private:
  int64_t time_;
  int64_t tag_;  // -1: no tag
};

}  // namespace pushgw::core
