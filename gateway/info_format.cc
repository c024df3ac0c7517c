#include "gateway/info_format.h"

#include <cstddef>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pushgw::gateway {
namespace {

constexpr absl::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n";

// The four body layouts; x-json and x-yaml only change the Content-Type.
enum class Body { kPlain, kJson, kYaml, kXml };

Body BodyOf(InfoFormat format) {
  switch (format) {
    case InfoFormat::kPlain:
      return Body::kPlain;
    case InfoFormat::kYaml:
    case InfoFormat::kXYaml:
      return Body::kYaml;
    case InfoFormat::kXml:
      return Body::kXml;
    case InfoFormat::kJson:
    case InfoFormat::kXJson:
      break;
  }
  return Body::kJson;
}

struct Counter {
  absl::string_view name;
  int64_t value;
};

// Appends `before name between value after` for each counter; the JSON, plain and YAML heads
// differ only in these three pieces.
void AppendCounters(std::string* out, absl::Span<const Counter> counters, absl::string_view before,
                    absl::string_view between, absl::string_view after) {
  for (const Counter& counter : counters) {
    absl::StrAppend(out, before, counter.name, between, counter.value, after);
  }
}

void AppendXmlCounters(std::string* out, absl::Span<const Counter> counters) {
  for (const Counter& counter : counters) {
    absl::StrAppend(out, "  <", counter.name, ">", counter.value, "</", counter.name, ">\r\n");
  }
}

// How the items of a list are joined. The last item gets `last_suffix` instead of `separator`,
// which is how the module's "item" and "last item" templates differ (SPEC §5.4, §5.5).
struct ListStyle {
  absl::string_view item_prefix;
  absl::string_view separator;
  absl::string_view last_suffix;
};

template <typename T, typename AppendItem>
void AppendList(std::string* out, absl::Span<const T> items, const ListStyle& style,
                AppendItem append_item) {
  for (size_t i = 0; i < items.size(); ++i) {
    out->append(style.item_prefix.data(), style.item_prefix.size());
    append_item(out, items[i]);
    const absl::string_view suffix = i + 1 < items.size() ? style.separator : style.last_suffix;
    out->append(suffix.data(), suffix.size());
  }
}

// One channel without the final line end of the single body (the XML block does end in CRLF).
void AppendChannel(std::string* out, Body body, const core::ChannelInfo& channel) {
  switch (body) {
    case Body::kPlain:
      absl::StrAppend(out, "channel: ", channel.id,
                      "\r\npublished_messages: ", channel.published_messages,
                      "\r\nstored_messages: ", channel.stored_messages,
                      "\r\nactive_subscribers: ", channel.subscribers);
      return;
    case Body::kJson:
      absl::StrAppend(out, "{\"channel\": \"", channel.id,
                      "\", \"published_messages\": ", channel.published_messages,
                      ", \"stored_messages\": ", channel.stored_messages,
                      ", \"subscribers\": ", channel.subscribers, "}");
      return;
    case Body::kYaml:
      absl::StrAppend(out, "  channel: ", channel.id,
                      "\r\n  published_messages: ", channel.published_messages,
                      "\r\n  stored_messages: ", channel.stored_messages,
                      "\r\n  subscribers: ", channel.subscribers);
      return;
    case Body::kXml:
      absl::StrAppend(out, "<channel>\r\n  <name>", channel.id, "</name>\r\n  <published_messages>",
                      channel.published_messages, "</published_messages>\r\n  <stored_messages>",
                      channel.stored_messages, "</stored_messages>\r\n  <subscribers>",
                      channel.subscribers, "</subscribers>\r\n</channel>\r\n");
      return;
  }
}

// One by_worker entry; the YAML "   -" line belongs to the entry (SPEC §5.5).
void AppendWorker(std::string* out, Body body, const core::WorkerInfo& worker) {
  switch (body) {
    case Body::kPlain:
      absl::StrAppend(out, "  pid: ", worker.pid, "\r\n  subscribers: ", worker.subscribers,
                      "\r\n  uptime: ", worker.uptime);
      return;
    case Body::kJson:
      absl::StrAppend(out, "{\"pid\": \"", worker.pid, "\", \"subscribers\": ", worker.subscribers,
                      ", \"uptime\": ", worker.uptime, "}");
      return;
    case Body::kYaml:
      absl::StrAppend(out, "   -\r\n    pid: ", worker.pid,
                      "\r\n    subscribers: ", worker.subscribers,
                      "\r\n    uptime: ", worker.uptime);
      return;
    case Body::kXml:
      absl::StrAppend(out, "<worker>\r\n  <pid>", worker.pid, "</pid>\r\n  <subscribers>",
                      worker.subscribers, "</subscribers>\r\n  <uptime>", worker.uptime,
                      "</uptime>\r\n</worker>\r\n");
      return;
  }
}

// Rough sizes so that a body is built with one allocation in the common case.
constexpr size_t kHeadReserve = 512;
constexpr size_t kChannelReserve = 192;
constexpr size_t kWorkerReserve = 128;

}  // namespace

InfoFormat NegotiateFormat(std::optional<absl::string_view> accept) {
  struct Subtype {
    absl::string_view prefix;
    InfoFormat format;
  };
  // Order matters: the first prefix that matches wins (SPEC §5.1).
  static constexpr Subtype kSubtypes[] = {
      {"plain", InfoFormat::kPlain}, {"json", InfoFormat::kJson},    {"yaml", InfoFormat::kYaml},
      {"xml", InfoFormat::kXml},     {"x-json", InfoFormat::kXJson}, {"x-yaml", InfoFormat::kXYaml},
  };
  if (!accept.has_value()) return InfoFormat::kJson;
  absl::string_view rest = *accept;
  for (size_t slash = rest.find('/'); slash != absl::string_view::npos; slash = rest.find('/')) {
    rest.remove_prefix(slash + 1);
    for (const Subtype& subtype : kSubtypes) {
      if (absl::StartsWith(rest, subtype.prefix)) return subtype.format;
    }
  }
  return InfoFormat::kJson;
}

absl::string_view ContentType(InfoFormat format) {
  switch (format) {
    case InfoFormat::kPlain:
      return "text/plain";
    case InfoFormat::kYaml:
      return "application/yaml";
    case InfoFormat::kXml:
      return "application/xml";
    case InfoFormat::kXJson:
      return "text/x-json";
    case InfoFormat::kXYaml:
      return "text/x-yaml";
    case InfoFormat::kJson:
      break;
  }
  return "application/json";
}

std::string RenderChannelInfo(InfoFormat format, const core::ChannelInfo& channel) {
  const Body body = BodyOf(format);
  std::string out;
  out.reserve(kChannelReserve + channel.id.size());
  if (body == Body::kXml) {
    // The XML block already ends in CRLF; the single body adds one more (Δg 2).
    absl::StrAppend(&out, kXmlDeclaration);
  }
  AppendChannel(&out, body, channel);
  out.append("\r\n");
  return out;
}

std::string RenderChannelGroup(InfoFormat format, absl::string_view hostname,
                               absl::string_view time, const core::GroupHead& head,
                               absl::Span<const core::ChannelInfo> channels) {
  const Body body = BodyOf(format);
  const Counter counters[] = {
      {"channels", head.channels},
      {"wildcard_channels", head.wildcard_channels},
      {"uptime", head.uptime},
  };
  size_t reserve = kHeadReserve + hostname.size() + time.size();
  for (const core::ChannelInfo& channel : channels) reserve += kChannelReserve + channel.id.size();
  std::string out;
  out.reserve(reserve);

  ListStyle style;
  absl::string_view tail;
  switch (body) {
    case Body::kPlain:
      absl::StrAppend(&out, "hostname: ", hostname, ", time: ", time);
      AppendCounters(&out, counters, ", ", ": ", "");
      out.append(", infos: \r\n");
      style = {"", ",\r\n", ""};
      tail = "\r\n";
      break;
    case Body::kJson:
      absl::StrAppend(&out, "{\"hostname\": \"", hostname, "\", \"time\": \"", time, "\"");
      AppendCounters(&out, counters, ", \"", "\": ", "");
      out.append(", \"infos\": [\r\n");
      style = {"", ",\r\n", "\r\n"};
      tail = "]}\r\n";
      break;
    case Body::kYaml:
      // Unlike the summary and the channel lines, the group head is not indented (Δg 2).
      absl::StrAppend(&out, "hostname: ", hostname, "\r\ntime: ", time, "\r\n");
      AppendCounters(&out, counters, "", ": ", "\r\n");
      out.append("infos: \r\n");
      style = {" -\r\n", "\r\n", ""};
      tail = "\r\n";
      break;
    case Body::kXml:
      absl::StrAppend(&out, kXmlDeclaration, "<root>\r\n  <hostname>", hostname,
                      "</hostname>\r\n  <time>", time, "</time>\r\n");
      AppendXmlCounters(&out, counters);
      out.append("  <infos>\r\n");
      style = {"", "", ""};
      tail = "  </infos>\r\n</root>\r\n";
      break;
  }
  AppendList(&out, channels, style,
             [body](std::string* o, const core::ChannelInfo& c) { AppendChannel(o, body, c); });
  out.append(tail.data(), tail.size());
  return out;
}

std::string RenderSummary(InfoFormat format, absl::string_view hostname, absl::string_view time,
                          const core::Summary& summary) {
  const Body body = BodyOf(format);
  const Counter counters[] = {
      {"channels", summary.channels},
      {"wildcard_channels", summary.wildcard_channels},
      {"published_messages", summary.published_messages},
      {"stored_messages", summary.stored_messages},
      {"messages_in_trash", summary.messages_in_trash},
      {"channels_in_delete", summary.channels_in_delete},
      {"channels_in_trash", summary.channels_in_trash},
      {"subscribers", summary.subscribers},
      {"uptime", summary.uptime},
  };
  std::string out;
  out.reserve(kHeadReserve + hostname.size() + time.size() +
              kWorkerReserve * summary.by_worker.size());

  ListStyle style;
  absl::string_view tail;
  switch (body) {
    case Body::kPlain:
      absl::StrAppend(&out, "hostname: ", hostname, "\r\ntime: ", time, "\r\n");
      AppendCounters(&out, counters, "", ": ", "\r\n");
      out.append("by_worker:\r\n");
      style = {"", ",\r\n", ""};
      tail = "\r\n";
      break;
    case Body::kJson:
      absl::StrAppend(&out, "{\"hostname\": \"", hostname, "\", \"time\": \"", time, "\"");
      AppendCounters(&out, counters, ", \"", "\": ", "");
      out.append(", \"by_worker\": [\r\n");
      style = {"", ",\r\n", ""};
      tail = "\r\n]}\r\n";
      break;
    case Body::kYaml:
      absl::StrAppend(&out, "  hostname: ", hostname, "\r\n  time: ", time, "\r\n");
      AppendCounters(&out, counters, "  ", ": ", "\r\n");
      out.append("  by_worker:\r\n");
      style = {"", "\r\n", ""};
      tail = "\r\n";
      break;
    case Body::kXml:
      absl::StrAppend(&out, kXmlDeclaration, "<infos>\r\n  <hostname>", hostname,
                      "</hostname>\r\n  <time>", time, "</time>\r\n");
      AppendXmlCounters(&out, counters);
      // The first <worker> follows <by_worker> on the same line (Δg 2).
      out.append("  <by_worker>");
      style = {"", "", ""};
      tail = "</by_worker>\r\n</infos>\r\n";
      break;
  }
  AppendList(&out, absl::MakeConstSpan(summary.by_worker), style,
             [body](std::string* o, const core::WorkerInfo& w) { AppendWorker(o, body, w); });
  out.append(tail.data(), tail.size());
  return out;
}

}  // namespace pushgw::gateway
