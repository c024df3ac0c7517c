#include "gateway/publisher.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/channel_path.h"
#include "core/errors.h"
#include "core/http_date.h"
#include "gateway/info_format.h"
#include "gateway/protocol.h"

namespace pushgw::gateway {
namespace {

// Admin and normal publishers allow (and advertise over CORS) the same method lists.
constexpr absl::string_view kAdminMethods = "GET, POST, PUT, DELETE";
constexpr absl::string_view kNormalMethods = "GET, POST, PUT";

absl::string_view PublisherMethods(const core::LocationOptions& location) {
  return location.publisher_mode == core::PublisherMode::kAdmin ? kAdminMethods : kNormalMethods;
}

// Steps 2-3 of SPEC §4.1: every publisher answer starts with these.
HttpResponse PublisherResponse(const core::LocationOptions& location) {
  HttpResponse response;
  AddNoCacheHeaders(response);
  AddCorsHeaders(response, location, PublisherMethods(location));
  return response;
}

// Header-only error answer: status and, when the error has one, the explain header.
HttpResponse& Fail(HttpResponse& response, const absl::Status& error) {
  ApplyError(response, error);
  response.body.clear();
  return response;
}

// The channel ids of the request's path, in path order; backtrack suffixes are dropped (they
// mean nothing to publishers and statistics) and empty segments name nothing (Δa).
std::vector<std::string> ChannelIds(const core::LocationOptions& location,
                                    const HttpRequest& request, absl::string_view decoded_path) {
  std::vector<core::ChannelSpec> specs =
      core::ParseChannelPath(ChannelPathOf(location, request, decoded_path));
  std::vector<std::string> ids;
  ids.reserve(specs.size());
  for (core::ChannelSpec& spec : specs) ids.push_back(std::move(spec.id));
  return ids;
}

std::optional<std::string> HeaderValue(const HttpRequest& request, absl::string_view name) {
  std::optional<absl::string_view> value = request.Header(name);
  if (!value) return std::nullopt;
  return std::string(value->data(), value->size());
}

// A 200 with channel info: the single format for one channel, else the group format in the
// given order (SPEC §4.2, §4.3, §5.6 step 6).
void SetChannelInfoBody(HttpResponse& response, const HttpRequest& request,
                        const core::Store& store, absl::string_view hostname, bool group,
                        absl::Span<const core::ChannelInfo> channels) {
  const InfoFormat format = NegotiateFormat(request.Header("Accept"));
  response.status = 200;
  response.Add("Content-Type", ContentType(format));
  if (group) {
    response.body = RenderChannelGroup(format, hostname, core::FormatStatsTime(store.clock().Now()),
                                       store.GetGroupHead(), channels);
  } else {
    response.body = RenderChannelInfo(format, channels.front());
  }
}

}  // namespace

HttpResponse PublisherBodyTooLarge(const core::LocationOptions& location) {
  HttpResponse response = PublisherResponse(location);
  response.status = 413;
  return response;
}

HttpResponse HandlePublisher(const core::LocationOptions& location, const HttpRequest& request,
                             absl::string_view decoded_path, core::Store& store,
                             absl::string_view hostname) {
  // Step 1. The edge normally decides this before reading the body; a chunked body is only
  // known here.
  if (location.max_body_size > 0 && request.body.size() > location.max_body_size) {
    return PublisherBodyTooLarge(location);
  }
  HttpResponse response = PublisherResponse(location);  // steps 2-3

  // Steps 4-5. Method names are case-sensitive (RFC 9110 §9.1).
  const absl::string_view method = request.method;
  const bool admin = location.publisher_mode == core::PublisherMode::kAdmin;
  if (method == "OPTIONS") return response;
  const bool publish = method == "POST" || method == "PUT";
  const bool remove = admin && method == "DELETE";
  if (!publish && !remove && method != "GET") {
    response.status = 405;
    response.Add("Allow", PublisherMethods(location));
    return response;
  }

  // Step 6.
  const std::vector<std::string> ids = ChannelIds(location, request, decoded_path);
  if (ids.empty()) return Fail(response, core::NoChannelIdError());

  // Steps 7-10: the store validates every id (and, for a publish, the body) before it creates
  // or changes anything, and reports the first failure.
  if (publish) {
    core::PublishRequest publish_request;
    publish_request.text = request.body;
    publish_request.event_id = HeaderValue(request, "Event-Id");
    publish_request.event_type = HeaderValue(request, "Event-Type");
    publish_request.store = location.store_messages;
    absl::StatusOr<std::vector<core::PublishResult>> results = store.Publish(ids, publish_request);
    if (!results.ok()) return Fail(response, results.status());
    if (!location.channel_info_on_publish) return response;
    std::vector<core::ChannelInfo> infos;
    infos.reserve(results->size());
    for (core::PublishResult& result : *results) infos.push_back(std::move(result.info));
    SetChannelInfoBody(response, request, store, hostname, infos.size() > 1, infos);
    return response;
  }
  if (remove) {
    std::optional<std::string> text;
    if (!request.body.empty()) text = request.body;
    if (absl::Status status = store.Delete(ids, std::move(text)); !status.ok()) {
      return Fail(response, status);
    }
    response.Add(kExplainHeader, core::kChannelDeleted);
    return response;
  }
  absl::StatusOr<std::vector<core::ChannelInfo>> infos = store.Info(ids);
  if (!infos.ok()) return Fail(response, infos.status());
  SetChannelInfoBody(response, request, store, hostname, infos->size() > 1, *infos);
  return response;
}

HttpResponse HandleStatistics(const core::LocationOptions& location, const HttpRequest& request,
                              absl::string_view decoded_path, core::Store& store,
                              const StatsContext& context) {
  HttpResponse response;
  AddNoCacheHeaders(response);    // step 1; never CORS (Δg 16)
  if (request.method != "GET") {  // step 2, OPTIONS included
    response.status = 405;
    response.Add("Allow", "GET");
    return response;
  }
  response.Add(kPushStreamTagHeader, kPushStreamTagValue);  // step 3
  response.Add(kPushStreamCommitHeader, kPushStreamCommitValue);

  const std::vector<std::string> ids = ChannelIds(location, request, decoded_path);
  if (ids.empty()) {  // step 4
    core::Summary summary = store.GetSummary();
    if (context.workers) {
      summary.by_worker = context.workers();
      summary.subscribers = 0;
      for (const core::WorkerInfo& worker : summary.by_worker) {
        summary.subscribers += worker.subscribers;
      }
    }
    const InfoFormat format = NegotiateFormat(request.Header("Accept"));
    response.Add("Content-Type", ContentType(format));
    response.body = RenderSummary(format, context.hostname,
                                  core::FormatStatsTime(store.clock().Now()), summary);
    return response;
  }

  // Steps 5-6.
  absl::StatusOr<core::StatisticsAnswer> answer = store.Statistics(ids);
  if (!answer.ok()) return Fail(response, answer.status());
  SetChannelInfoBody(response, request, store, context.hostname, answer->group, answer->channels);
  return response;
}

}  // namespace pushgw::gateway
