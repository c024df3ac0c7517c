// Accept negotiation and the byte-exact publisher/statistics bodies (SPEC §5):
// single channel, group and summary, in plain, JSON, YAML and XML.
// Thread-safe: pure functions over value types.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/stats.h"

namespace pushgw::gateway {

// The negotiated answer format. kXJson and kXYaml render the JSON and YAML bodies and differ
// only in their Content-Type.
enum class InfoFormat { kPlain, kJson, kYaml, kXml, kXJson, kXYaml };

// SPEC §5.1, replicated exactly (Δg 4): for each '/' in `accept`, left to right, the text after
// it is matched case-sensitively by prefix against plain, json, yaml, xml, x-json, x-yaml in
// that order; the first match wins. No header, or no match: JSON. q-values and wildcards are
// not interpreted, so "text/html" and "*/*" give JSON.
InfoFormat NegotiateFormat(std::optional<absl::string_view> accept);

// The Content-Type header value for `format` (text/plain, application/json, application/yaml,
// application/xml, text/x-json, text/x-yaml).
absl::string_view ContentType(InfoFormat format);

// One channel (SPEC §5.3). Ids are inserted raw, without escaping (Δg 15).
std::string RenderChannelInfo(InfoFormat format, const core::ChannelInfo& channel);

// Several channels (SPEC §5.4): head with the global counters of `head`, then `channels` in the
// given order; `channels` may be empty. `time` is already formatted (YYYY-MM-DDTHH:MM:SS).
std::string RenderChannelGroup(InfoFormat format, absl::string_view hostname,
                               absl::string_view time, const core::GroupHead& head,
                               absl::Span<const core::ChannelInfo> channels);

// The statistics summary (SPEC §5.5) with one entry per `summary.by_worker` element. The JSON
// `pid` is a quoted string (Δg 2). An empty `by_worker` (never sent by a running server) keeps
// the surrounding structure with no entries.
std::string RenderSummary(InfoFormat format, absl::string_view hostname, absl::string_view time,
                          const core::Summary& summary);

}  // namespace pushgw::gateway
