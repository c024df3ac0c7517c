#include "core/http_date.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace pushgw::core {
namespace {

constexpr int64_t kSpecTime = 1795696041;  // Thu, 26 Nov 2026 12:27:21 GMT (SPEC §2.4)

std::string AbslFormat(const char* format, int64_t unix_seconds) {
  return absl::FormatTime(format, absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

// Seconds of a UTC civil time, computed by absl rather than by the code under test.
int64_t Utc(int64_t y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone()));
}

TEST(FormatHttpDateTest, SpecExamples) {
  EXPECT_EQ(FormatHttpDate(kSpecTime), "Thu, 26 Nov 2026 12:27:21 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(FormatHttpDateTest, CalendarEdges) {
  EXPECT_EQ(FormatHttpDate(Utc(2000, 2, 29, 23, 59, 59)), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(Utc(2100, 3, 1)), "Mon, 01 Mar 2100 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(Utc(2024, 12, 31, 23, 59, 59)), "Tue, 31 Dec 2024 23:59:59 GMT");
  // Past the 32-bit time_t limit.
  EXPECT_EQ(FormatHttpDate(Utc(2038, 1, 19, 3, 14, 8)), "Tue, 19 Jan 2038 03:14:08 GMT");
  EXPECT_EQ(FormatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(FormatHttpDateTest, AlwaysTwentyNineBytesEvenWhenClamped) {
  EXPECT_EQ(kHttpDateLength, 29u);
  EXPECT_EQ(FormatHttpDate(std::numeric_limits<int64_t>::max()), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(std::numeric_limits<int64_t>::min()), "Sat, 01 Jan 0000 00:00:00 GMT");
}

TEST(FormatHttpDateTest, AppendsWithoutClearing) {
  std::string out = "Last-Modified: ";
  AppendHttpDate(0, &out);
  AppendHttpDate(kSpecTime, &out);
  EXPECT_EQ(out, "Last-Modified: Thu, 01 Jan 1970 00:00:00 GMTThu, 26 Nov 2026 12:27:21 GMT");
}

// The hand-written calendar arithmetic agrees with absl over several centuries, on both
// sides of the epoch, at an odd stride that visits every weekday, month and time of day.
TEST(FormatHttpDateTest, MatchesAbslAcrossCenturies) {
  const int64_t first = Utc(1600, 1, 1);
  const int64_t last = Utc(2500, 1, 1);
  const int64_t stride = 86400 * 3 + 3671;
  int checked = 0;
  for (int64_t s = first; s < last; s += stride, ++checked) {
    const std::string got = FormatHttpDate(s);
    ASSERT_EQ(got, AbslFormat("%a, %d %b %Y %H:%M:%S GMT", s)) << s;
    ASSERT_EQ(got.size(), kHttpDateLength);
  }
  EXPECT_GT(checked, 100000);
}

TEST(ParseHttpDateTest, EpochInAllThreeForms) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Thu Jan  1 00:00:00 1970"), 0);
}

TEST(ParseHttpDateTest, SpecTimeInAllThreeForms) {
  EXPECT_EQ(ParseHttpDate("Thu, 26 Nov 2026 12:27:21 GMT"), kSpecTime);
  EXPECT_EQ(ParseHttpDate("Thursday, 26-Nov-26 12:27:21 GMT"), kSpecTime);
  EXPECT_EQ(ParseHttpDate("Thu Nov 26 12:27:21 2026"), kSpecTime);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 2015 10:20:30 GMT"), Utc(2015, 1, 1, 10, 20, 30));
}

TEST(ParseHttpDateTest, Rfc850TwoDigitYears) {
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT"), Utc(1970, 1, 1));
  EXPECT_EQ(ParseHttpDate("Friday, 31-Dec-99 23:59:59 GMT"), Utc(1999, 12, 31, 23, 59, 59));
  EXPECT_EQ(ParseHttpDate("Saturday, 01-Jan-00 00:00:00 GMT"), Utc(2000, 1, 1));
  EXPECT_EQ(ParseHttpDate("Tuesday, 29-Feb-00 00:00:00 GMT"), Utc(2000, 2, 29));
  EXPECT_EQ(ParseHttpDate("Sunday, 31-Dec-69 23:59:59 GMT"), Utc(2069, 12, 31, 23, 59, 59));
}

TEST(ParseHttpDateTest, AsctimeDayForms) {
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), Utc(1994, 11, 6, 8, 49, 37));
  EXPECT_EQ(ParseHttpDate("Sun Nov 06 08:49:37 1994"), Utc(1994, 11, 6, 8, 49, 37));
  EXPECT_EQ(ParseHttpDate("Wed Nov 30 08:49:37 1994"), Utc(1994, 11, 30, 8, 49, 37));
}

TEST(ParseHttpDateTest, WeekdayAndZoneAreNotChecked) {
  EXPECT_EQ(ParseHttpDate("Mon, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Xyz, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Thursday, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Thu, 01-Jan-70 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Sunday Jan  1 00:00:00 1970"), 0);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 UTC"), 0);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 +0100"), 0);
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 PST"), 0);
  // Like the module, a missing zone is accepted.
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00"), 0);
}

TEST(ParseHttpDateTest, RejectsWhatIsNotADate) {
  for (const char* bad : {
           "",
           "null",  // what pushstream.js sends before it has a Last-Modified
           "0",
           "1795696041",
           "Thu,+01+Jan+1970+00:00:00+GMT",  // a '+'-encoded query argument, not decoded
           "Thu, 01 Jan 1970 00:00:00 GMT garbage",
           "Thu, 01 Jan 1970 00:00:00 GMT ",
           "Thu, 01 Jan 1970 00:00:00 ",
           "Thu, 01 Jan 1970 00:00:00GMT",
           "Thu Jan  1 00:00:00 1970 GMT",
           "Thu Jan  1 00:00:00 1970x",
           " Thu, 01 Jan 1970 00:00:00 GMT",
           "Thu, 01 Jan 1970",
           "Thu, 01 Jan 1970 00:00 GMT",
           "Thu, 01 Jan 1970 0:00:00 GMT",
           "Thu, 1 Jan 1970 00:00:00 GMT",  // IMF-fixdate needs two day digits
           "Thu,  01 Jan 1970 00:00:00 GMT",
           "Thu, 01  Jan 1970 00:00:00 GMT",
           "Thu 01 Jan 1970 00:00:00 GMT",
           ", 01 Jan 1970 00:00:00 GMT",
           "Thu, 01 jan 1970 00:00:00 GMT",
           "Thu, 01 JAN 1970 00:00:00 GMT",
           "Thu, 01 Jnu 1970 00:00:00 GMT",
           "Thu, 01 January 1970 00:00:00 GMT",
           "Thu, 01 Jan 70 00:00:00 GMT",
           "Thu, 01 Jan 01970 00:00:00 GMT",
           "Thu, 01-Jan-1970 00:00:00 GMT",
           "Thu, 01 Jan-70 00:00:00 GMT",
           "Thu, 0x Jan 1970 00:00:00 GMT",
           "Thu, 01 Jan 1970 00:00:00 G\x01T",
           "Thu Jan 1 00:00:00 1970",
           "Thu Jan   1 00:00:00 1970",
           "Thu Jan  1 00:00:00 70",
           "Thu Jan  1 00:00:00  1970",
       }) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(ParseHttpDateTest, RejectsOutOfRangeFields) {
  for (const char* bad : {
           "Thu, 00 Jan 1970 00:00:00 GMT",
           "Thu, 32 Jan 1970 00:00:00 GMT",
           "Thu, 31 Apr 2020 00:00:00 GMT",
           "Thu, 29 Feb 2019 00:00:00 GMT",
           "Thu, 29 Feb 2100 00:00:00 GMT",
           "Thu, 30 Feb 2000 00:00:00 GMT",
           "Thu, 01 Jan 1970 24:00:00 GMT",
           "Thu, 01 Jan 1970 00:60:00 GMT",
           "Thu, 01 Jan 1970 00:00:60 GMT",  // no leap seconds
           "Thursday, 29-Feb-01 00:00:00 GMT",
           "Thu Feb 29 00:00:00 1900",
           "Thu Jan  0 00:00:00 1970",
       }) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << '"' << bad << '"';
  }
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT"), Utc(2000, 2, 29));
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT"), Utc(2024, 2, 29));
  EXPECT_EQ(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"), Utc(9999, 12, 31, 23, 59, 59));
}

TEST(ParseHttpDateTest, RejectsDatesBeforeTheEpoch) {
  EXPECT_EQ(ParseHttpDate("Wed, 31 Dec 1969 23:59:59 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Wed Dec 31 23:59:59 1969"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT"), std::nullopt);
}

// Every form parses back to the second it was formatted from, checked against absl's
// formatting for the two forms pushgw never writes itself.
TEST(ParseHttpDateTest, RoundTripsAllForms) {
  const int64_t last = Utc(2069, 12, 31, 23, 59, 59);
  const int64_t stride = 86400 * 5 + 4093;
  for (int64_t s = 0; s <= last; s += stride) {
    ASSERT_EQ(ParseHttpDate(FormatHttpDate(s)), s) << s;
    ASSERT_EQ(ParseHttpDate(AbslFormat("%A, %d-%b-%y %H:%M:%S GMT", s)), s) << s;
    ASSERT_EQ(ParseHttpDate(AbslFormat("%a %b %e %H:%M:%S %Y", s)), s) << s;
  }
  for (int64_t s = last; s < Utc(2500, 1, 1); s += stride * 7) {
    ASSERT_EQ(ParseHttpDate(FormatHttpDate(s)), s) << s;
  }
}

TEST(FormatStatsTimeTest, SpecExampleAndEpoch) {
  EXPECT_EQ(FormatStatsTime(absl::FromUnixSeconds(1795696045)), "2026-11-26T12:27:25");
  EXPECT_EQ(FormatStatsTime(absl::UnixEpoch()), "1970-01-01T00:00:00");
}

TEST(FormatStatsTimeTest, DropsSubSecondsAndMatchesAbsl) {
  EXPECT_EQ(FormatStatsTime(absl::FromUnixSeconds(1795696045) + absl::Milliseconds(999)),
            "2026-11-26T12:27:25");
  EXPECT_EQ(FormatStatsTime(absl::UnixEpoch() - absl::Milliseconds(1)), "1969-12-31T23:59:59");
  EXPECT_EQ(FormatStatsTime(absl::InfiniteFuture()), "9999-12-31T23:59:59");
  for (int64_t s = 0; s < Utc(2200, 1, 1); s += 86400 * 11 + 3607) {
    ASSERT_EQ(FormatStatsTime(absl::FromUnixSeconds(s)), AbslFormat("%Y-%m-%dT%H:%M:%S", s));
  }
}

}  // namespace
}  // namespace pushgw::core
