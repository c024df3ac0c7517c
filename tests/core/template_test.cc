#include "core/template.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/message.h"
#include "gtest/gtest.h"

namespace pushgw::core {
namespace {

constexpr int64_t kSpecTime = 1795696041;  // Thu, 26 Nov 2026 12:27:21 GMT
constexpr absl::string_view kSpecDate = "Thu, 26 Nov 2026 12:27:21 GMT";
constexpr absl::string_view kEpochDate = "Thu, 01 Jan 1970 00:00:00 GMT";

// SPEC §3.2, verbatim.
constexpr absl::string_view kLayoutTemplate =
    R"({"id":~id~,"channel":"~channel~","text":"~text~", "tag":"~tag~", "time":"~time~", )"
    R"("eventid":"~event-id~"})";
// SPEC §3.3.1, verbatim.
constexpr absl::string_view kSubMessageTemplate =
    R"(<script>p(~id~,'~channel~','~text~','~event-id~', '~time~', '~tag~');</script>)";

// The first message `hello` on channel `ch`, as in the SPEC's examples.
Message::Fields Hello() {
  Message::Fields f;
  f.id = 1;
  f.channel = "ch";
  f.text = "hello";
  f.time = kSpecTime;
  f.tag = 1;
  return f;
}

// A pseudo-message as SPEC §1.4 defines them: time 0, tag 0, no event id or type.
Message::Fields Pseudo(int64_t id, std::string channel, std::string text) {
  Message::Fields f;
  f.id = id;
  f.channel = std::move(channel);
  f.text = std::move(text);
  return f;
}

std::string Render(absl::string_view tmpl, Message::Fields fields) {
  std::string out;
  Template::Compile(tmpl).Render(*MakeMessage(std::move(fields), 0), &out);
  return out;
}

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

TEST(TemplateTest, LayoutTemplateGolden) {
  EXPECT_EQ(Render(kLayoutTemplate, Hello()),
            R"({"id":1,"channel":"ch","text":"hello", "tag":"1", )"
            R"("time":"Thu, 26 Nov 2026 12:27:21 GMT", "eventid":""})");
}

TEST(TemplateTest, SubTemplateGolden) {
  Message::Fields f = Hello();
  f.event_id = "e1";
  EXPECT_EQ(Render(kSubMessageTemplate, f),
            "<script>p(1,'ch','hello','e1', 'Thu, 26 Nov 2026 12:27:21 GMT', '1');</script>");
  EXPECT_EQ(Render(kSubMessageTemplate, Pseudo(kPingMessageId, "", " ")),
            "<script>p(-1,'',' ','', 'Thu, 01 Jan 1970 00:00:00 GMT', '0');</script>");
}

TEST(TemplateTest, PseudoMessagesThroughTheLayoutTemplate) {
  EXPECT_EQ(Render(kLayoutTemplate, Pseudo(kChannelDeletedMessageId, "c", "Channel deleted")),
            R"({"id":-2,"channel":"c","text":"Channel deleted", "tag":"0", )"
            R"("time":"Thu, 01 Jan 1970 00:00:00 GMT", "eventid":""})");
  EXPECT_EQ(Render(kLayoutTemplate, Pseudo(kTimedOutMessageId, "", "Timed out")),
            R"({"id":-3,"channel":"","text":"Timed out", "tag":"0", )"
            R"("time":"Thu, 01 Jan 1970 00:00:00 GMT", "eventid":""})");
}

TEST(TemplateTest, EveryPlaceholder) {
  Message::Fields f = Hello();
  f.id = 42;
  f.tag = 7;
  f.event_id = "e1";
  f.event_type = "update";
  EXPECT_EQ(Render("~id~|~channel~|~text~|~size~|~time~|~tag~|~event-id~|~event-type~", f),
            absl::StrCat("42|ch|hello|5|", kSpecDate, "|7|e1|update"));
  f.event_id.reset();
  f.event_type.reset();
  EXPECT_EQ(Render("[~event-id~][~event-type~]", f), "[][]");
  f.event_id = "";
  EXPECT_EQ(Render("[~event-id~]", f), "[]");
}

TEST(TemplateTest, RepeatedPlaceholders) {
  EXPECT_EQ(Render("~id~~id~ ~time~~time~ ~text~~text~", Hello()),
            absl::StrCat("11 ", kSpecDate, kSpecDate, " hellohello"));
}

TEST(TemplateTest, PlaceholdersMatchCaseInsensitively) {
  Message::Fields f = Hello();
  f.event_id = "e1";
  f.event_type = "t";
  EXPECT_EQ(Render("~ID~ ~Text~ ~CHANNEL~ ~sIzE~ ~Tag~ ~TIME~ ~Event-Id~ ~EVENT-TYPE~", f),
            absl::StrCat("1 hello ch 5 1 ", kSpecDate, " e1 t"));
}

TEST(TemplateTest, EverythingElseIsLiteral) {
  const Message::Fields f = Hello();
  EXPECT_EQ(Render("a~foo~b", f), "a~foo~b");
  EXPECT_EQ(Render("~ids~ ~i d~ ~ id~ ~eventid~ ~event_id~", f),
            "~ids~ ~i d~ ~ id~ ~eventid~ ~event_id~");
  EXPECT_EQ(Render("~", f), "~");
  EXPECT_EQ(Render("~~", f), "~~");
  EXPECT_EQ(Render("a ~ b", f), "a ~ b");
  EXPECT_EQ(Render("ends with~", f), "ends with~");
  EXPECT_EQ(Render("~id", f), "~id");
  EXPECT_EQ(Render("x~text", f), "x~text");
  EXPECT_EQ(Render("no placeholders at all", f), "no placeholders at all");
}

// One left-to-right scan: a `~` that opens nothing is literal and the next byte is scanned.
TEST(TemplateTest, TokenizesLeftToRight) {
  const Message::Fields f = Hello();
  EXPECT_EQ(Render("~x~id~", f), "~x1");
  EXPECT_EQ(Render("~~id~~", f), "~1~");
  EXPECT_EQ(Render("~id~~", f), "1~");
  EXPECT_EQ(Render("~id~id~", f), "1id~");
  EXPECT_EQ(Render("~foo~text~~", f), "~foohello~");
  EXPECT_EQ(Render("~~~", f), "~~~");
}

TEST(TemplateTest, FieldValuesAreNotExpandedAgain) {
  Message::Fields f = Hello();
  f.text = "~id~~channel~~text~~tag~~time~~event-id~~size~";
  f.channel = "~text~";
  f.event_id = "~id~";
  EXPECT_EQ(Render("~text~", f), "~id~~channel~~text~~tag~~time~~event-id~~size~");
  EXPECT_EQ(Render("~channel~/~event-id~", f), "~text~/~id~");
}

TEST(TemplateTest, FieldValuesAreNotEscaped) {
  Message::Fields f = Hello();
  f.text = R"(<b>"quoted" & 'single' \ </script>)";
  f.channel = "a\"b";
  EXPECT_EQ(Render(kSubMessageTemplate, f),
            absl::StrCat(R"(<script>p(1,'a"b','<b>"quoted" & 'single' \ </script>','', ')",
                         kSpecDate, "', '1');</script>"));
}

TEST(TemplateTest, SizeCountsBytes) {
  Message::Fields f = Hello();
  f.text = "h\xc3\xa9llo \xe2\x9c\x93";  // "héllo ✓": 7 characters, 10 bytes
  EXPECT_EQ(Render("~size~:~text~", f), "10:h\xc3\xa9llo \xe2\x9c\x93");
  f.text = "";
  EXPECT_EQ(Render("[~size~][~text~]", f), "[0][]");
}

TEST(TemplateTest, NulBytesArePreserved) {
  Message::Fields f = Hello();
  f.text = std::string("a\0b\0", 4);
  EXPECT_EQ(Render("~text~|~size~", f), std::string("a\0b\0|4", 6));
  // In the template's literals too.
  const std::string nul(1, '\0');
  EXPECT_EQ(Render(absl::StrCat(nul, "~id~", nul), f), absl::StrCat(nul, "1", nul));
}

TEST(TemplateTest, ExtremeNumbers) {
  Message::Fields f = Hello();
  f.id = std::numeric_limits<int64_t>::min();
  f.tag = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Render("~id~ ~tag~", f), "-9223372036854775808 9223372036854775807");
  f.id = 0;
  f.tag = 0;
  EXPECT_EQ(Render("~id~ ~tag~", f), "0 0");
}

TEST(TemplateTest, RenderAppends) {
  const Template t = Template::Compile("<~id~>");
  const MessagePtr m = MakeMessage(Hello(), 0);
  std::string out = "prefix ";
  t.Render(*m, &out);
  t.Render(*m, &out);
  EXPECT_EQ(out, "prefix <1><1>");
}

TEST(TemplateTest, RenderLineReplacesTextAndSize) {
  const Template t = Template::Compile("data: ~text~ (~size~ of ~channel~)\n");
  Message::Fields f = Hello();
  f.text = "first line\nsecond";
  const MessagePtr m = MakeMessage(std::move(f), 0);
  std::string out;
  t.RenderLine(*m, "first line", &out);
  t.RenderLine(*m, "second", &out);
  t.RenderLine(*m, "", &out);
  EXPECT_EQ(out, "data: first line (10 of ch)\ndata: second (6 of ch)\ndata:  (0 of ch)\n");
}

TEST(TemplateTest, EmptyAndSource) {
  EXPECT_TRUE(Template().empty());
  EXPECT_TRUE(Template::Compile("").empty());
  EXPECT_FALSE(Template::Compile("~").empty());
  EXPECT_EQ(Template::Compile(kLayoutTemplate).source(), kLayoutTemplate);

  const MessagePtr m = MakeMessage(Hello(), 0);
  std::string out = "kept";
  Template().Render(*m, &out);
  Template::Compile("").Render(*m, &out);
  Template().RenderLine(*m, "line", &out);
  EXPECT_EQ(out, "kept");
}

TEST(TemplateTest, CopiesOutliveTheOriginal) {
  Template copy;
  {
    std::string text = "[~text~|literal]";
    const Template original = Template::Compile(text);
    text.assign(text.size(), 'x');
    copy = original;
  }
  std::string out;
  copy.Render(*MakeMessage(Hello(), 0), &out);
  EXPECT_EQ(out, "[hello|literal]");
}

// SPEC §2.4: a body of 5000 `~text~` is delivered literally (and quickly: the rendering is
// one pass, so no timing is asserted, only the bytes).
TEST(TemplateTest, BodyOfManyPlaceholdersRendersLiterally) {
  Message::Fields f = Hello();
  f.text = Repeat("~text~", 5000);
  const std::string body = f.text;
  EXPECT_EQ(Render(kSubMessageTemplate, f),
            absl::StrCat("<script>p(1,'ch','", body, "','', '", kSpecDate, "', '1');</script>"));
  f.text = Repeat("~text~", 20000);
  EXPECT_EQ(Render(kLayoutTemplate, f),
            absl::StrCat(R"({"id":1,"channel":"ch","text":")", f.text, R"(", "tag":"1", "time":")",
                         kSpecDate, R"(", "eventid":""})"));
  EXPECT_EQ(Render("~size~", f), "120000");
}

// The output grows with the template as well as with the text: both are linear.
TEST(TemplateTest, TemplateOfManyPlaceholders) {
  Message::Fields f = Hello();
  f.text = Repeat("0123456789", 10);
  EXPECT_EQ(Render(Repeat("~text~,", 10000), f), Repeat(f.text + ",", 10000));
  EXPECT_EQ(Render(Repeat("~id~~time~", 5000), f), Repeat(absl::StrCat("1", kSpecDate), 5000));
}

TEST(UnescapeNginxStringTest, Escapes) {
  EXPECT_EQ(UnescapeNginxString(R"(a\r\nb\tc)"), "a\r\nb\tc");
  EXPECT_EQ(UnescapeNginxString(R"(\"q\" \'s\' \\)"), R"("q" 's' \)");
  EXPECT_EQ(UnescapeNginxString(R"(\d\.\w\x\0\ )"), R"(\d\.\w\x\0\ )");
  EXPECT_EQ(UnescapeNginxString(R"(\\n)"), R"(\n)");
  EXPECT_EQ(UnescapeNginxString(R"(\\\n)"), "\\\n");
  EXPECT_EQ(UnescapeNginxString(R"(\d\\)"), R"(\d\)");
  EXPECT_EQ(UnescapeNginxString(R"(trailing\)"), R"(trailing\)");
  EXPECT_EQ(UnescapeNginxString(R"(\)"), R"(\)");
  EXPECT_EQ(UnescapeNginxString(""), "");
  EXPECT_EQ(UnescapeNginxString("no escapes ~id~"), "no escapes ~id~");
}

TEST(UnescapeNginxStringTest, LayoutMessageTemplate) {
  // SPEC §3.2, the nginx form of the layout message template.
  EXPECT_EQ(UnescapeNginxString(
                R"({\"id\":~id~,\"channel\":\"~channel~\",\"text\":\"~text~\", \"tag\":\"~tag~\", )"
                R"(\"time\":\"~time~\", \"eventid\":\"~event-id~\"})"),
            kLayoutTemplate);
}

// SPEC §3.3.1, verbatim.
constexpr absl::string_view kSubHeaderNginx =
    R"ng(<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8)ng"
    R"ng(\">\r\n)ng"
    R"ng(<meta http-equiv=\"Cache-Control\" content=\"no-store\">\r\n)ng"
    R"ng(<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\r\n)ng"
    R"ng(<meta http-equiv=\"Pragma\" content=\"no-cache\">\r\n)ng"
    R"ng(<meta http-equiv=\"Expires\" content=\"Thu, 1 Jan 1970 00:00:00 GMT\">\r\n)ng"
    R"ng(<script type=\"text/javascript\">\r\n)ng"
    R"ng(window.onError = null;\r\n)ng"
    R"ng(try{ document.domain = (window.location.hostname.match(/^(\d{1,3}\.){3}\d{1,3}$/)ng"
    R"ng()) ? window.location.hostname : window.location.hostname.split('.').slice(-1 * M)ng"
    R"ng(ath.max(window.location.hostname.split('.').length - 1, (window.location.hostnam)ng"
    R"ng(e.match(/(\w{4,}\.\w{2}|\.\w{3,})$/) ? 2 : 3))).join('.');}catch(e){}\r\n)ng"
    R"ng(parent.PushStream.register(this);\r\n)ng"
    R"ng(</script>\r\n)ng"
    R"ng(</head>\r\n)ng"
    R"ng(<body>)ng";

TEST(UnescapeNginxStringTest, SubHeaderTemplateIs733Bytes) {
  const std::string decoded = UnescapeNginxString(kSubHeaderNginx);
  const std::vector<absl::string_view> lines = {
      R"ng(<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">)ng",
      R"ng(<meta http-equiv="Cache-Control" content="no-store">)ng",
      R"ng(<meta http-equiv="Cache-Control" content="no-cache">)ng",
      R"ng(<meta http-equiv="Pragma" content="no-cache">)ng",
      R"ng(<meta http-equiv="Expires" content="Thu, 1 Jan 1970 00:00:00 GMT">)ng",
      R"ng(<script type="text/javascript">)ng",
      R"ng(window.onError = null;)ng",
      R"ng(try{ document.domain = (window.location.hostname.match(/^(\d{1,3}\.){3}\d{1,3}$/)ng"
      R"ng()) ? window.location.hostname : window.location.hostname.split('.').slice(-1 * M)ng"
      R"ng(ath.max(window.location.hostname.split('.').length - 1, (window.location.hostnam)ng"
      R"ng(e.match(/(\w{4,}\.\w{2}|\.\w{3,})$/) ? 2 : 3))).join('.');}catch(e){})ng",
      R"ng(parent.PushStream.register(this);)ng",
      R"ng(</script>)ng",
      R"ng(</head>)ng",
      R"ng(<body>)ng",
  };
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(decoded, absl::StrJoin(lines, "\r\n"));
  EXPECT_EQ(decoded.size(), 733u);
  // A header template renders as itself: it has no placeholders.
  std::string out;
  Template::Compile(decoded).Render(*MakeMessage(Hello(), 0), &out);
  EXPECT_EQ(out, decoded);
}

}  // namespace
}  // namespace pushgw::core
