#include "core/channel_path.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

ChannelSpec Ch(std::string id, int64_t backtrack = 0) { return {std::move(id), backtrack}; }

TEST(PercentDecodeTest, DecodesHexEscapesInEitherCase) {
  EXPECT_EQ(PercentDecode("a%2Fb"), "a/b");
  EXPECT_EQ(PercentDecode("a%2fb"), "a/b");
  EXPECT_EQ(PercentDecode("%41%62%7e"), "Ab~");
  EXPECT_EQ(PercentDecode("Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT"),
            "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(PercentDecode("%00%FF"), std::string("\0\xff", 2));
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(PercentDecodeTest, PlusStaysPlus) {  // Δg 17
  EXPECT_EQ(PercentDecode("Thu,+01+Jan"), "Thu,+01+Jan");
  EXPECT_EQ(PercentDecode("a%2Bb"), "a+b");
}

TEST(PercentDecodeTest, MalformedEscapesAreKeptLiterally) {
  EXPECT_EQ(PercentDecode("%"), "%");
  EXPECT_EQ(PercentDecode("a%2"), "a%2");
  EXPECT_EQ(PercentDecode("%zz"), "%zz");
  EXPECT_EQ(PercentDecode("%2g%41"), "%2gA");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%%41"), "%A");
}

TEST(PercentDecodeTest, DecodesOnceSoUrlPathsNeedTwoPasses) {  // §8.2
  EXPECT_EQ(PercentDecode("a%252Fb"), "a%2Fb");
  EXPECT_EQ(PercentDecode(PercentDecode("a%252Fb")), "a/b");
}

// The table of SPEC §8.1, row by row.
TEST(ParseChannelPathTest, SpecTable) {
  EXPECT_THAT(ParseChannelPath("ch1"), ElementsAre(Ch("ch1")));
  EXPECT_THAT(ParseChannelPath("ch1/ch2"), ElementsAre(Ch("ch1"), Ch("ch2")));
  EXPECT_THAT(ParseChannelPath("ch1.b5/ch2"), ElementsAre(Ch("ch1", 5), Ch("ch2")));
  EXPECT_THAT(ParseChannelPath("room.b18.beautiful.b3"), ElementsAre(Ch("room.b18.beautiful", 3)));
  EXPECT_THAT(ParseChannelPath("ch.b"), ElementsAre(Ch("ch.b")));
  EXPECT_THAT(ParseChannelPath("ch.b0"), ElementsAre(Ch("ch", 0)));
  EXPECT_THAT(ParseChannelPath("a.b1/b.b1"), ElementsAre(Ch("a", 1), Ch("b", 1)));
  EXPECT_THAT(ParseChannelPath(PercentDecode("a.b1%2Fb.b1")), ElementsAre(Ch("a", 1), Ch("b", 1)));
}

TEST(ParseChannelPathTest, EmptySegmentsProduceNoChannel) {  // Δa
  EXPECT_THAT(ParseChannelPath("/ch1"), ElementsAre(Ch("ch1")));
  EXPECT_THAT(ParseChannelPath("//"), IsEmpty());
  EXPECT_THAT(ParseChannelPath("/"), IsEmpty());
  EXPECT_THAT(ParseChannelPath(""), IsEmpty());
  EXPECT_THAT(ParseChannelPath("ch1/"), ElementsAre(Ch("ch1")));
  EXPECT_THAT(ParseChannelPath("a//b"), ElementsAre(Ch("a"), Ch("b")));
  EXPECT_THAT(ParseChannelPath(".b5"), IsEmpty());
  EXPECT_THAT(ParseChannelPath("a/.b5/b"), ElementsAre(Ch("a"), Ch("b")));
  EXPECT_THAT(ParseChannelPath("/.b5/"), IsEmpty());
}

TEST(ParseChannelPathTest, OnlyASuffixAtTheVeryEndOfASegmentIsABacktrack) {
  EXPECT_THAT(ParseChannelPath("room.b18.beautiful"), ElementsAre(Ch("room.b18.beautiful")));
  EXPECT_THAT(ParseChannelPath("x.b"), ElementsAre(Ch("x.b")));  // fact 77
  EXPECT_THAT(ParseChannelPath("ch.b5x"), ElementsAre(Ch("ch.b5x")));
  EXPECT_THAT(ParseChannelPath("ch.B5"), ElementsAre(Ch("ch.B5")));
  EXPECT_THAT(ParseChannelPath("chb5"), ElementsAre(Ch("chb5")));
  EXPECT_THAT(ParseChannelPath("ch.b1.b2"), ElementsAre(Ch("ch.b1", 2)));
  EXPECT_THAT(ParseChannelPath("ch..b2"), ElementsAre(Ch("ch.", 2)));
  EXPECT_THAT(ParseChannelPath("ch.b007"), ElementsAre(Ch("ch", 7)));
  EXPECT_THAT(ParseChannelPath(".b"), ElementsAre(Ch(".b")));
  EXPECT_THAT(ParseChannelPath("a.b10/b/c.b2"), ElementsAre(Ch("a", 10), Ch("b"), Ch("c", 2)));
}

TEST(ParseChannelPathTest, BacktrackOverflowClamps) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(ParseChannelPath("ch.b9223372036854775807"), ElementsAre(Ch("ch", kMax)));
  EXPECT_THAT(ParseChannelPath("ch.b9223372036854775808"), ElementsAre(Ch("ch", kMax)));
  EXPECT_THAT(ParseChannelPath("ch.b99999999999999999999999999999/x"),
              ElementsAre(Ch("ch", kMax), Ch("x")));
}

TEST(ParseChannelPathTest, IdsAreArbitraryBytes) {
  EXPECT_THAT(ParseChannelPath(std::string("a\0b.b2", 6)),
              ElementsAre(Ch(std::string("a\0b", 3), 2)));
  EXPECT_THAT(ParseChannelPath("ALL/c*"), ElementsAre(Ch("ALL"), Ch("c*")));
}

TEST(ParseChannelPathTest, LongPathIsLinear) {
  std::string path;
  for (int i = 0; i < 100000; ++i) path += "1";
  path += "/";
  for (int i = 0; i < 100000; ++i) path += "/";
  std::vector<ChannelSpec> channels = ParseChannelPath(path);
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channels[0].id.size(), 100000u);
}

TEST(ChannelIdTest, ForbiddenIds) {
  EXPECT_TRUE(IsForbiddenChannelId("ALL"));
  EXPECT_TRUE(IsForbiddenChannelId("c*"));
  EXPECT_TRUE(IsForbiddenChannelId("c*x"));
  EXPECT_TRUE(IsForbiddenChannelId("*"));
  EXPECT_FALSE(IsForbiddenChannelId("all"));
  EXPECT_FALSE(IsForbiddenChannelId("ALLx"));
  EXPECT_FALSE(IsForbiddenChannelId("xALL"));
  EXPECT_FALSE(IsForbiddenChannelId("c"));
}

TEST(ChannelIdTest, WildcardIds) {
  EXPECT_TRUE(IsWildcardChannelId("broad_1", "broad_"));
  EXPECT_TRUE(IsWildcardChannelId("broad_", "broad_"));
  EXPECT_FALSE(IsWildcardChannelId("broad", "broad_"));
  EXPECT_FALSE(IsWildcardChannelId("xbroad_1", "broad_"));
  EXPECT_FALSE(IsWildcardChannelId("Broad_1", "broad_"));
  EXPECT_FALSE(IsWildcardChannelId("broad_1", ""));
}

TEST(QueryArgumentTest, FindsFirstArgumentAndDecodesIt) {
  EXPECT_THAT(QueryArgument("a=1&b=2", "b"), Optional(std::string("2")));
  EXPECT_THAT(QueryArgument("a=1&b=2", "a"), Optional(std::string("1")));
  EXPECT_THAT(QueryArgument("x=1&x=2", "x"), Optional(std::string("1")));
  EXPECT_THAT(QueryArgument("id=a.b1%2Fb.b1", "id"), Optional(std::string("a.b1/b.b1")));
  EXPECT_THAT(QueryArgument("time=Thu,+01+Jan", "time"), Optional(std::string("Thu,+01+Jan")));
  EXPECT_THAT(QueryArgument("a=b=c", "a"), Optional(std::string("b=c")));
  EXPECT_THAT(QueryArgument("&&a=1&", "a"), Optional(std::string("1")));
}

TEST(QueryArgumentTest, PresentButEmpty) {
  EXPECT_THAT(QueryArgument("callback=&x=1", "callback"), Optional(std::string()));
  EXPECT_THAT(QueryArgument("callback", "callback"), Optional(std::string()));
  EXPECT_THAT(QueryArgument("x=1&callback", "callback"), Optional(std::string()));
}

TEST(QueryArgumentTest, NamesMatchExactly) {
  EXPECT_EQ(QueryArgument("", "id"), std::nullopt);
  EXPECT_EQ(QueryArgument("a=1", "id"), std::nullopt);
  EXPECT_EQ(QueryArgument("Time=1", "time"), std::nullopt);
  EXPECT_EQ(QueryArgument("xid=1", "id"), std::nullopt);
  EXPECT_EQ(QueryArgument("idx=1", "id"), std::nullopt);
  EXPECT_EQ(QueryArgument("a=id%3D1", "id"), std::nullopt);
  EXPECT_THAT(QueryArgument("xtime=1&time=2", "time"), Optional(std::string("2")));
  EXPECT_THAT(QueryArgument("tests=on&id=c", "id"), Optional(std::string("c")));
}

}  // namespace
}  // namespace pushgw::core
