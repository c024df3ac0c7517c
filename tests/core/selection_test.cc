#include "core/selection.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/http_date.h"
#include "core/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

constexpr int64_t kSecond = 1420107630;  // Thu, 01 Jan 2015 10:20:30 GMT
constexpr char kSecondDate[] = "Thu, 01 Jan 2015 10:20:30 GMT";
constexpr char kEpoch[] = "Thu, 01 Jan 1970 00:00:00 GMT";

MessagePtr Msg(int64_t id, int64_t time, int64_t tag,
               std::optional<std::string> event_id = std::nullopt) {
  Message::Fields f;
  f.id = id;
  f.channel = "c";
  f.text = absl::StrCat("msg ", id);
  f.time = time;
  f.tag = tag;
  f.event_id = std::move(event_id);
  return MakeMessage(std::move(f), 0);
}

std::vector<int64_t> Ids(const std::vector<MessagePtr>& messages) {
  std::vector<int64_t> ids;
  for (const MessagePtr& m : messages) ids.push_back(m->id());
  return ids;
}

// Ten messages published in one second, as the store tags them: t..t+9 (SPEC §8.4).
std::deque<MessagePtr> TenInOneSecond(int64_t first_tag) {
  std::deque<MessagePtr> q;
  for (int64_t i = 1; i <= 10; ++i) q.push_back(Msg(i, kSecond, first_tag + i - 1));
  return q;
}

// n messages, one per second from kSecond on, tag 1 each.
std::deque<MessagePtr> OnePerSecond(int n) {
  std::deque<MessagePtr> q;
  for (int i = 1; i <= n; ++i) q.push_back(Msg(i, kSecond + i - 1, 1));
  return q;
}

ResumeValues Time(int64_t time, std::optional<int64_t> tag = std::nullopt) {
  ResumeValues r;
  r.time = time;
  r.tag = tag;
  return r;
}

ResumeValues EventId(std::string id) {
  ResumeValues r;
  r.event_id = std::move(id);
  return r;
}

ResumeValues FromHeaders(std::optional<std::string> ims, std::optional<std::string> inm,
                         std::optional<std::string> last_event_id = std::nullopt) {
  ResumeSources s;
  s.if_modified_since = std::move(ims);
  s.if_none_match = std::move(inm);
  s.last_event_id = std::move(last_event_id);
  return ResolveResumeValues(s);
}

// ---------------------------------------------------------------------------------------------
// ParseResumeTag

TEST(ParseResumeTagTest, PlainAndWeak) {
  EXPECT_THAT(ParseResumeTag("3"), Optional(3));
  EXPECT_THAT(ParseResumeTag("W/3"), Optional(3));
  EXPECT_THAT(ParseResumeTag("0"), Optional(0));
  EXPECT_THAT(ParseResumeTag("W/0"), Optional(0));
  EXPECT_THAT(ParseResumeTag("0042"), Optional(42));
  EXPECT_THAT(ParseResumeTag("9223372036854775807"), Optional(std::numeric_limits<int64_t>::max()));
}

TEST(ParseResumeTagTest, AnythingElseIsAbsent) {
  for (absl::string_view bad : {"", "W/", "W", "\"3\"", "W/\"3\"", "w/3", "W/W/3", "-1", "+1", " 3",
                                "3 ", "3a", "0x3", "9223372036854775808", "99999999999999999999"}) {
    EXPECT_EQ(ParseResumeTag(bad), std::nullopt) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// ResolveResumeValues (Δb)

TEST(ResolveResumeValuesTest, NothingGiven) {
  EXPECT_EQ(ResolveResumeValues(ResumeSources{}), ResumeValues{});
}

TEST(ResolveResumeValuesTest, FromHeaders) {
  ResumeValues r = FromHeaders(kSecondDate, "W/3", "event 2");
  EXPECT_THAT(r.time, Optional(kSecond));
  EXPECT_THAT(r.tag, Optional(3));
  EXPECT_THAT(r.event_id, Optional(std::string("event 2")));
}

TEST(ResolveResumeValuesTest, EachArgumentWinsOnItsOwn) {
  ResumeSources s;
  s.time_arg = kEpoch;
  s.if_modified_since = kSecondDate;
  s.if_none_match = "7";  // no tag argument: the header is used
  s.eventid_arg = "x1";
  s.last_event_id = "e9";
  ResumeValues r = ResolveResumeValues(s);
  EXPECT_THAT(r.time, Optional(0));
  EXPECT_THAT(r.tag, Optional(7));
  EXPECT_THAT(r.event_id, Optional(std::string("x1")));
}

TEST(ResolveResumeValuesTest, EmptyValuesCountAsAbsent) {
  ResumeSources s;
  s.time_arg = "";
  s.if_modified_since = kSecondDate;  // empty argument: falls back to the header
  s.tag_arg = "";
  s.if_none_match = "";
  s.eventid_arg = "";
  s.last_event_id = "";
  ResumeValues r = ResolveResumeValues(s);
  EXPECT_THAT(r.time, Optional(kSecond));
  EXPECT_EQ(r.tag, std::nullopt);
  EXPECT_EQ(r.event_id, std::nullopt);
}

TEST(ResolveResumeValuesTest, UnparsableValuesAreAbsent) {
  ResumeValues r = FromHeaders("yesterday", "\"3\"");
  EXPECT_EQ(r.time, std::nullopt);
  EXPECT_EQ(r.tag, std::nullopt);
}

TEST(ResolveResumeValuesTest, AnUnparsableArgumentDoesNotFallBackToTheHeader) {
  ResumeSources s;
  s.tag_arg = "\"3\"";
  s.if_none_match = "W/3";
  EXPECT_EQ(ResolveResumeValues(s).tag, std::nullopt);
}

TEST(ResolveResumeValuesTest, EventIdIsExactBytes) {
  EXPECT_THAT(FromHeaders(std::nullopt, std::nullopt, " Event 2\t").event_id,
              Optional(std::string(" Event 2\t")));
}

// Fact 73: `+` is not a space, so this time is invalid; with `%20` it is the epoch.
TEST(ResolveResumeValuesTest, Fact73PlusIsNotASpace) {
  ResumeSources plus;
  plus.time_arg = "Thu,+01+Jan+1970+00:00:00+GMT";  // as QueryArgument decodes it
  EXPECT_EQ(ResolveResumeValues(plus).time, std::nullopt);
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, ResolveResumeValues(plus)), IsEmpty());

  ResumeSources spaces;
  spaces.time_arg = "Thu, 01 Jan 1970 00:00:00 GMT";
  EXPECT_THAT(ResolveResumeValues(spaces).time, Optional(0));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 0, ResolveResumeValues(spaces))),
              ElementsAre(1, 2, 3));
}

// The /jsonp/ location reads the query only.
TEST(ResolveResumeValuesTest, JsonpIgnoresHeaders) {
  ResumeSources s;
  s.if_modified_since = kEpoch;
  s.if_none_match = "W/1";
  s.last_event_id = "x1";
  s.headers_allowed = false;
  EXPECT_EQ(ResolveResumeValues(s), ResumeValues{});
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, ResolveResumeValues(s)), IsEmpty());

  s.time_arg = kSecondDate;
  EXPECT_THAT(ResolveResumeValues(s).time, Optional(kSecond));
  EXPECT_EQ(ResolveResumeValues(s).tag, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// SelectOldMessages (§8.4)

TEST(SelectOldMessagesTest, EmptyQueueSelectsNothing) {
  const std::deque<MessagePtr> empty;
  EXPECT_THAT(SelectOldMessages(empty, 5, {}), IsEmpty());
  EXPECT_THAT(SelectOldMessages(empty, 0, Time(0)), IsEmpty());
  EXPECT_THAT(SelectOldMessages(empty, 0, EventId("e1")), IsEmpty());
  EXPECT_EQ(OldMessagesStart(empty, 5, Time(0)), 0u);
}

// Facts 59, 76: without backtrack, event id or time, stored messages are not sent.
TEST(SelectOldMessagesTest, NoResumeValuesSelectNothing) {
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, {}), IsEmpty());
  EXPECT_EQ(OldMessagesStart(OnePerSecond(3), 0, {}), 3u);
}

// Facts 58, 66, 77; .b0 means no backtrack.
TEST(SelectOldMessagesTest, Backtrack) {
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(5), 2, {})), ElementsAre(4, 5));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 2, {})), ElementsAre(2, 3));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(4), 3, {})), ElementsAre(2, 3, 4));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 50, {})), ElementsAre(1, 2, 3));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), std::numeric_limits<int64_t>::max(), {})),
              ElementsAre(1, 2, 3));
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, {}), IsEmpty());  // /sub/c.b0 polled → 304
}

TEST(SelectOldMessagesTest, BacktrackWinsOverResumeValues) {
  // Fact 66: /lp/c.b1 + IMS epoch → only the last.
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 1, Time(0))), ElementsAre(3));
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 2, Time(kSecond + 100))), ElementsAre(2, 3));
  std::deque<MessagePtr> q = {Msg(1, kSecond, 1, "e1"), Msg(2, kSecond, 2, "e2")};
  EXPECT_THAT(Ids(SelectOldMessages(q, 2, EventId("e2"))), ElementsAre(1, 2));
}

TEST(SelectOldMessagesTest, B0WithResumeValuesUsesThem) {
  // Fact 66: /lp/c.b0 + IMS/INM of m1 → m2, m3.
  std::deque<MessagePtr> q = TenInOneSecond(4);
  q.resize(3);
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, Time(kSecond, 4))), ElementsAre(2, 3));
}

// The example of §8.4 and fact 63.
TEST(SelectOldMessagesTest, TenMessagesInOneSecond) {
  const int64_t t = 17;
  const std::deque<MessagePtr> q = TenInOneSecond(t);
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, FromHeaders(kSecondDate, absl::StrCat(t + 5)))),
              ElementsAre(7, 8, 9, 10));
  for (int64_t k : {1, 6, 9}) {
    for (const std::string& inm : {absl::StrCat(t + k - 1), absl::StrCat("W/", t + k - 1)}) {
      const ResumeValues resume = FromHeaders(kSecondDate, inm);
      std::vector<int64_t> expected;
      for (int64_t i = k + 1; i <= 10; ++i) expected.push_back(i);
      EXPECT_EQ(Ids(SelectOldMessages(q, 0, resume)), expected) << inm;

      OldMessagesValidators v(resume);
      v.AddChannel(kSecond, t + 9);
      EXPECT_THAT(v.Get().EtagValue(), Optional(absl::StrCat("W/", t + 9)));
      EXPECT_THAT(v.Get().LastModifiedValue(), Optional(std::string(kSecondDate)));
    }
  }
}

TEST(SelectOldMessagesTest, TagBetweenStoredTagsStartsAtTheNextHigherTag) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 2), Msg(2, kSecond, 5), Msg(3, kSecond, 9)};
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, Time(kSecond, 4))), ElementsAre(2, 3));
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, Time(kSecond, 5))), ElementsAre(3));
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, Time(kSecond, 0))), ElementsAre(1, 2, 3));
  EXPECT_THAT(SelectOldMessages(q, 0, Time(kSecond, 9)), IsEmpty());
  EXPECT_THAT(SelectOldMessages(q, 0, Time(kSecond, 10)), IsEmpty());
}

// Fact 64: with a time only, everything published in a later second.
TEST(SelectOldMessagesTest, TimeOnlyMeansLaterSeconds) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 1), Msg(2, kSecond, 2), Msg(3, kSecond + 1, 1)};
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, FromHeaders(kSecondDate, std::nullopt))), ElementsAre(3));
  // The same with a1, a2 and b1 on two channels, as /lp/a/b: a gives nothing, b gives b1.
  const std::deque<MessagePtr> a = {Msg(1, kSecond, 1), Msg(2, kSecond, 2)};
  const std::deque<MessagePtr> b = {Msg(1, kSecond + 1, 1)};
  EXPECT_THAT(SelectOldMessages(a, 0, Time(kSecond)), IsEmpty());
  EXPECT_THAT(Ids(SelectOldMessages(b, 0, Time(kSecond))), ElementsAre(1));
}

// Facts 61, 75: the epoch selects every stored message.
TEST(SelectOldMessagesTest, EpochSelectsAll) {
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 0, FromHeaders(kEpoch, std::nullopt))),
              ElementsAre(1, 2, 3));
}

TEST(SelectOldMessagesTest, FutureTimeSelectsNothing) {
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, Time(kSecond + 2)), IsEmpty());
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, Time(kSecond + 2, 1)), IsEmpty());
  EXPECT_THAT(Ids(SelectOldMessages(OnePerSecond(3), 0, Time(kSecond + 1))), ElementsAre(3));
}

// Fact 65 and Δg 5: a tag without a time does nothing.
TEST(SelectOldMessagesTest, TagAloneSelectsNothing) {
  const ResumeValues resume = FromHeaders(std::nullopt, "W/0");
  EXPECT_THAT(resume.tag, Optional(0));
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, resume), IsEmpty());
  EXPECT_THAT(SelectOldMessages(TenInOneSecond(1), 0, resume), IsEmpty());
}

TEST(SelectOldMessagesTest, NegativeTimeIsNotGiven) {
  EXPECT_THAT(SelectOldMessages(OnePerSecond(3), 0, Time(-1)), IsEmpty());
}

// Fact 56: delivery starts after the message carrying the event id.
TEST(SelectOldMessagesTest, Fact56LastEventId) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 1, "e1"), Msg(2, kSecond, 2, "e2"),
                                    Msg(3, kSecond, 3), Msg(4, kSecond, 4, "e4")};
  const std::vector<MessagePtr> old =
      SelectOldMessages(q, 0, FromHeaders(std::nullopt, std::nullopt, "e2"));
  EXPECT_THAT(Ids(old), ElementsAre(3, 4));
  EXPECT_EQ(old[0]->text(), "msg 3");
  EXPECT_EQ(old[0]->event_id(), std::nullopt);
  EXPECT_THAT(old[1]->event_id(), Optional(std::string("e4")));
  EXPECT_THAT(SelectOldMessages(q, 0, EventId("unknown")), IsEmpty());
  EXPECT_THAT(SelectOldMessages(q, 0, EventId("e4")), IsEmpty());
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, EventId("e1"))), ElementsAre(2, 3, 4));
}

// Fact 57: `?eventid=id1` on /ev/ (events id1…id3) → id2, id3.
TEST(SelectOldMessagesTest, Fact57EventIdArgument) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 1, "id1"), Msg(2, kSecond, 2, "id2"),
                                    Msg(3, kSecond, 3, "id3")};
  ResumeSources s;
  s.eventid_arg = "id1";
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, ResolveResumeValues(s))), ElementsAre(2, 3));
}

// Fact 69.
TEST(SelectOldMessagesTest, Fact69EventIdsWithSpaces) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 1, "event 1"), Msg(2, kSecond, 2, "event 2"),
                                    Msg(3, kSecond, 3), Msg(4, kSecond, 4, "event 3")};
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, FromHeaders(std::nullopt, std::nullopt, "event 2"))),
              ElementsAre(3, 4));
  EXPECT_THAT(SelectOldMessages(q, 0, EventId("event")), IsEmpty());
}

// When both are given, whichever condition is met first in the queue decides.
TEST(SelectOldMessagesTest, EventIdAndTimeFirstMatchDecides) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond + 10, 1, "x"), Msg(2, kSecond + 20, 1),
                                    Msg(3, kSecond + 30, 1, "y")};
  ResumeValues r = Time(kSecond + 15);
  r.event_id = "y";  // the time condition is met first, at m2
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, r)), ElementsAre(2, 3));

  r = Time(kSecond + 25);
  r.event_id = "x";  // the event id is met first, at m1
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, r)), ElementsAre(2, 3));

  r = Time(kSecond + 25);
  r.event_id = "y";  // both at m3: the event id is checked first, so delivery starts after it
  EXPECT_THAT(SelectOldMessages(q, 0, r), IsEmpty());

  r = Time(kSecond + 25);
  r.event_id = "unknown";  // an unmatched event id leaves the time to decide
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, r)), ElementsAre(3));

  r = Time(kSecond + 5);
  r.event_id = "y";  // the time is met first, at m1, and m1 is delivered
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, r)), ElementsAre(1, 2, 3));

  r = Time(kSecond + 5);
  r.event_id = "x";  // both at m1 again: the event id wins, m1 is not delivered
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, r)), ElementsAre(2, 3));
}

// Facts 40, 70: `?time=<T1>&tag=<n1>` (percent-decoded) → m2, m3.
TEST(SelectOldMessagesTest, Facts40And70ResumeArguments) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 3), Msg(2, kSecond, 4), Msg(3, kSecond + 1, 1)};
  ResumeSources s;
  s.time_arg = FormatHttpDate(q[0]->time());
  s.tag_arg = absl::StrCat(q[0]->tag());
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, ResolveResumeValues(s))), ElementsAre(2, 3));
  EXPECT_THAT(Ids(SelectOldMessages({q[0], q[1]}, 0, ResolveResumeValues(s))), ElementsAre(2));
}

// Fact 83 at this level: /jsonp/ with time/tag arguments, then with an event id argument.
TEST(SelectOldMessagesTest, Fact83Jsonp) {
  const std::deque<MessagePtr> q = {Msg(1, kSecond, 1), Msg(2, kSecond, 2), Msg(3, kSecond, 3)};
  ResumeSources s;
  s.headers_allowed = false;
  s.time_arg = FormatHttpDate(q[1]->time());
  s.tag_arg = absl::StrCat("W/", q[1]->tag());
  s.if_modified_since = kEpoch;  // ignored
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, ResolveResumeValues(s))), ElementsAre(3));

  const std::deque<MessagePtr> events = {Msg(1, kSecond, 1, "x1"), Msg(2, kSecond, 2, "x2")};
  ResumeSources e;
  e.headers_allowed = false;
  e.eventid_arg = "x1";
  EXPECT_THAT(Ids(SelectOldMessages(events, 0, ResolveResumeValues(e))), ElementsAre(2));

  ResumeSources headers_only;
  headers_only.headers_allowed = false;
  headers_only.if_modified_since = kEpoch;
  EXPECT_THAT(SelectOldMessages(q, 0, ResolveResumeValues(headers_only)), IsEmpty());
}

// Fact 67: channel by channel in path order — each channel is selected on its own.
TEST(SelectOldMessagesTest, Fact67ChannelsInPathOrder) {
  const std::deque<MessagePtr> b = {Msg(1, kSecond, 1), Msg(2, kSecond, 4)};
  const std::deque<MessagePtr> c = {Msg(1, kSecond, 2), Msg(2, kSecond, 5)};
  const std::deque<MessagePtr> a = {Msg(1, kSecond, 3), Msg(2, kSecond, 6)};
  std::vector<int64_t> tags;
  for (const auto* q : {&b, &c, &a}) {
    for (const MessagePtr& m : SelectOldMessages(*q, 2, {})) tags.push_back(m->tag());
  }
  EXPECT_THAT(tags, ElementsAre(1, 4, 2, 5, 3, 6));
}

// Fact 62: resuming with the returned validators yields exactly what was not seen.
TEST(SelectOldMessagesTest, Fact62ResumeWithReturnedValidators) {
  std::deque<MessagePtr> q = {Msg(1, kSecond, 1)};
  ResumeValues resume = FromHeaders(kEpoch, std::nullopt);
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, resume)), ElementsAre(1));
  OldMessagesValidators v1(resume);
  v1.AddChannel(kSecond, 1);
  const Validators poll1 = v1.Get();

  q.push_back(Msg(2, kSecond, 2));
  q.push_back(Msg(3, kSecond + 1, 1));
  resume = FromHeaders(poll1.LastModifiedValue(), poll1.EtagValue());
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, resume)), ElementsAre(2, 3));
  OldMessagesValidators v2(resume);
  v2.AddChannel(kSecond + 1, 1);
  const Validators poll2 = v2.Get();

  resume = FromHeaders(poll2.LastModifiedValue(), poll2.EtagValue());
  EXPECT_THAT(SelectOldMessages(q, 0, resume), IsEmpty());  // a long-poll would wait
}

// Δg 6: resuming from a timeout's (now, 0) gets the rest of that second.
TEST(SelectOldMessagesTest, ResumeAfterTimeout) {
  const Validators timeout = TimeoutValidators(kSecond);
  const std::deque<MessagePtr> q = {Msg(1, kSecond - 1, 1), Msg(2, kSecond, 5),
                                    Msg(3, kSecond + 1, 1)};
  const ResumeValues resume = FromHeaders(timeout.LastModifiedValue(), timeout.EtagValue());
  EXPECT_THAT(Ids(SelectOldMessages(q, 0, resume)), ElementsAre(2, 3));
}

TEST(SelectOldMessagesTest, SharesTheStoredMessages) {
  const std::deque<MessagePtr> q = OnePerSecond(2);
  const std::vector<MessagePtr> old = SelectOldMessages(q, 1, {});
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].get(), q[1].get());
}

// ---------------------------------------------------------------------------------------------
// Validators (§7.5, §7.6, §8.5)

TEST(ValidatorsTest, Rendering) {
  const Validators v = Validators::Make(kSecond, 3);
  EXPECT_THAT(v.LastModifiedValue(), Optional(std::string(kSecondDate)));
  EXPECT_THAT(v.EtagValue(), Optional(std::string("W/3")));
  EXPECT_EQ(Validators::Make(0, std::nullopt), Validators{});
  EXPECT_EQ(Validators::Make(0, std::nullopt).LastModifiedValue(), std::nullopt);
  EXPECT_EQ(Validators::Make(0, std::nullopt).EtagValue(), std::nullopt);
  EXPECT_EQ(Validators::Make(-5, -1), Validators{});
  EXPECT_THAT(Validators::Make(0, 0).EtagValue(), Optional(std::string("W/0")));
}

// Fact 60.
TEST(ValidatorsTest, LiveMessage) {
  const MessagePtr m = Msg(1, kSecond, 42);
  const Validators v = LiveMessageValidators(*m);
  EXPECT_THAT(v.last_modified, Optional(kSecond));
  EXPECT_THAT(v.EtagValue(), Optional(std::string("W/42")));
}

// Fact 78 / §7.5: timeout and deletion answer (now, 0).
TEST(ValidatorsTest, TimeoutAndDeletion) {
  const Validators v = TimeoutValidators(kSecond);
  EXPECT_THAT(v.LastModifiedValue(), Optional(std::string(kSecondDate)));
  EXPECT_THAT(v.EtagValue(), Optional(std::string("W/0")));
}

// Fact 74 and §7.6: a 304 echoes the request's resume values.
TEST(ValidatorsTest, NotModifiedEchoesResumeValues) {
  EXPECT_EQ(NotModifiedValidators({}), Validators{});
  const Validators echo = NotModifiedValidators(FromHeaders(kSecondDate, "W/3"));
  EXPECT_THAT(echo.LastModifiedValue(), Optional(std::string(kSecondDate)));
  EXPECT_THAT(echo.EtagValue(), Optional(std::string("W/3")));
  // The epoch is not later than the epoch: no Last-Modified.
  EXPECT_EQ(NotModifiedValidators(FromHeaders(kEpoch, std::nullopt)), Validators{});
  const Validators tag_only = NotModifiedValidators(FromHeaders(std::nullopt, "W/0"));
  EXPECT_EQ(tag_only.last_modified, std::nullopt);
  EXPECT_THAT(tag_only.EtagValue(), Optional(std::string("W/0")));
  // An event id is not a validator.
  EXPECT_EQ(NotModifiedValidators(EventId("e1")), Validators{});
}

// Fact 61: IMS epoch, three stored → validators of the third.
TEST(ValidatorsTest, Fact61NewestOfTheChannel) {
  OldMessagesValidators v(Time(0));
  v.AddChannel(kSecond + 2, 1);
  EXPECT_EQ(v.Get(), Validators::Make(kSecond + 2, 1));
}

// Fact 68: after a1, b1, a2, /lp/a.b5/b.b5 → the validators of a2.
TEST(ValidatorsTest, Fact68NewestAcrossChannels) {
  for (int64_t a2_time : {kSecond, kSecond + 1}) {
    OldMessagesValidators v({});
    v.AddChannel(a2_time, a2_time == kSecond ? 3 : 1);  // a: last is a2
    v.AddChannel(kSecond, 2);                           // b: last is b1
    EXPECT_EQ(v.Get(), Validators::Make(a2_time, a2_time == kSecond ? 3 : 1));
  }
}

TEST(ValidatorsTest, OldMessagesComparesTimeThenTag) {
  OldMessagesValidators v(Time(kSecond, 5));
  v.AddChannel(kSecond, 4);  // earlier tag in the same second: no change
  EXPECT_EQ(v.Get(), Validators::Make(kSecond, 5));
  v.AddChannel(kSecond, 7);
  EXPECT_EQ(v.Get(), Validators::Make(kSecond, 7));
  v.AddChannel(kSecond + 1, 1);  // a later second wins even with a smaller tag
  EXPECT_EQ(v.Get(), Validators::Make(kSecond + 1, 1));
  v.AddChannel(kSecond - 1, 99);
  EXPECT_EQ(v.Get(), Validators::Make(kSecond + 1, 1));
}

// A backtrack with a future resume time and no tag: the channel is older than the resume
// time, nothing raises the start, and the module sends no Etag.
TEST(ValidatorsTest, OldMessagesNeverInventAnEtag) {
  OldMessagesValidators v(Time(kSecond + 100));
  v.AddChannel(kSecond, 3);
  EXPECT_THAT(v.Get().last_modified, Optional(kSecond + 100));
  EXPECT_EQ(v.Get().etag, std::nullopt);

  OldMessagesValidators no_resume({});
  no_resume.AddChannel(kSecond, 3);  // backtrack without resume values
  EXPECT_EQ(no_resume.Get(), Validators::Make(kSecond, 3));
}

}  // namespace
}  // namespace pushgw::core
