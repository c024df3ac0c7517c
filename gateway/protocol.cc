#include "gateway/protocol.h"

#include "absl/strings/str_cat.h"
#include "core/channel_path.h"
#include "core/errors.h"

namespace pushgw::gateway {

void AddNoCacheHeaders(HttpResponse& response) {
  response.Add("Expires", kExpiresValue);
  response.Add("Cache-Control", kCacheControlValue);
}

void AddCorsHeaders(HttpResponse& response, const core::LocationOptions& location,
                    absl::string_view methods) {
  if (location.allowed_origins.empty()) return;
  response.Add("Access-Control-Allow-Origin", location.allowed_origins);
  response.Add("Access-Control-Allow-Methods", methods);
  response.Add("Access-Control-Allow-Headers", kCorsAllowHeaders);
}

void ApplyError(HttpResponse& response, const absl::Status& error) {
  response.status = core::HttpStatus(error);
  std::string explain = core::HttpExplain(error);
  if (!explain.empty()) response.Add(kExplainHeader, explain);
}

std::string ChannelPathOf(const core::LocationOptions& location, const HttpRequest& request,
                          absl::string_view decoded_path) {
  if (location.channels_source == core::ChannelsSource::kQueryArgument) {
    std::optional<std::string> value =
        core::QueryArgument(request.query(), location.channels_argument);
    if (!value || value->empty()) return {};
    return absl::StrCat(location.channels_prefix, *value);
  }
  absl::string_view rest = decoded_path;
  if (rest.size() >= location.path.size()) rest.remove_prefix(location.path.size());
  std::string path = core::PercentDecode(rest);
  if (path.empty()) return {};
  return absl::StrCat(location.channels_prefix, path);
}

}  // namespace pushgw::gateway
