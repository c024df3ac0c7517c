#include "control/channels.h"

#include <algorithm>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "control/wire.h"
#include "core/errors.h"

namespace pushgw::control {

absl::Status DeleteChannels(core::Store& store, const v1::DeleteChannelsRequest& request,
                            v1::DeleteChannelsResponse* response) {
  if (request.channels().empty()) return core::NoChannelIdError();
  // Validate every id first (nothing is deleted if one is refused), with the
  // store's own rules: Info() applies them and answers NOT_FOUND otherwise.
  for (const std::string& id : request.channels()) {
    if (absl::Status s = ValidateChannelId(id); !s.ok()) return s;
    if (absl::Status s = store.Info({id}).status(); !s.ok() && !absl::IsNotFound(s)) return s;
    if (store.IsEventsChannel(id)) return core::EventsChannelInternalError();
  }
  std::optional<std::string> text;
  if (request.has_text() && !request.text().empty()) text = request.text();
  // One id at a time, so the answer can say which ones existed.
  for (const std::string& id : request.channels()) {
    absl::Status status = store.Delete({id}, text);
    if (status.ok()) {
      response->add_deleted(id);
    } else if (absl::IsNotFound(status)) {
      response->add_not_found(id);
    } else {
      return status;
    }
  }
  if (response->deleted().empty()) return core::ChannelsNotFoundError();
  return absl::OkStatus();
}

absl::Status GetChannels(core::Store& store, const v1::GetChannelsRequest& request,
                         v1::GetChannelsResponse* response) {
  if (request.selector_case() == v1::GetChannelsRequest::kIds) {
    const auto& ids = request.ids().ids();
    if (ids.empty()) return core::NoChannelIdError();
    for (const std::string& id : ids) {
      if (absl::Status s = ValidateChannelId(id); !s.ok()) return s;
    }
    // Info() is GET /pub?id=...: same validation, NOT_FOUND when none exists.
    absl::StatusOr<std::vector<core::ChannelInfo>> infos =
        store.Info(std::vector<std::string>(ids.begin(), ids.end()));
    if (!infos.ok()) return infos.status();
    for (const core::ChannelInfo& info : *infos) ToProto(info, response->add_channels());
    return absl::OkStatus();
  }

  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be between 0 and ", kMaxPageSize,
                                                   " (0: ", kDefaultPageSize, ")"));
  }
  const size_t page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  std::string after;  // the last id of the previous page
  const bool continued = !request.page_token().empty();
  if (continued && !absl::WebSafeBase64Unescape(request.page_token(), &after)) {
    return absl::InvalidArgumentError("invalid page_token (pass next_page_token unchanged)");
  }
  const std::string prefix =
      request.selector_case() == v1::GetChannelsRequest::kPrefix ? request.prefix() : "";
  // Keyset paging in byte order of the ids: stable while channels come and go.
  std::vector<core::ChannelInfo> all = store.ListChannels(prefix);
  std::sort(all.begin(), all.end(),
            [](const core::ChannelInfo& a, const core::ChannelInfo& b) { return a.id < b.id; });
  auto it = continued ? std::upper_bound(all.begin(), all.end(), after,
                                         [](const std::string& key, const core::ChannelInfo& c) {
                                           return key < c.id;
                                         })
                      : all.begin();
  size_t n = 0;
  for (; it != all.end() && n < page_size; ++it, ++n) ToProto(*it, response->add_channels());
  if (it != all.end()) {
    std::string token;
    absl::WebSafeBase64Escape(std::prev(it)->id, &token);
    response->set_next_page_token(token);
  }
  return absl::OkStatus();
}

void GetStats(const core::Store& store, const WorkersFn& workers, const std::string& hostname,
              v1::GetStatsResponse* response) {
  const core::Summary summary = store.GetSummary();
  response->set_hostname(hostname);
  response->set_time(absl::ToUnixSeconds(store.clock().Now()));
  response->set_channels(summary.channels);
  response->set_wildcard_channels(summary.wildcard_channels);
  response->set_published_messages(summary.published_messages);
  response->set_stored_messages(summary.stored_messages);
  response->set_messages_in_trash(summary.messages_in_trash);
  response->set_channels_in_delete(summary.channels_in_delete);
  response->set_channels_in_trash(summary.channels_in_trash);
  // The store counts every attached subscriber, HTTP and gRPC alike.
  response->set_subscribers(summary.subscribers);
  response->set_uptime(summary.uptime);
  if (workers) {
    for (const core::WorkerInfo& worker : workers()) {
      v1::WorkerStats* out = response->add_by_worker();
      out->set_pid(worker.pid);
      out->set_subscribers(worker.subscribers);
      out->set_uptime(worker.uptime);
    }
  }
}

}  // namespace pushgw::control
