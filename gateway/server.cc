// The only translation unit of the edge that includes Beast/Asio (slow to
// compile; see STYLE.md "Keep Beast out of widely included headers").
#include "gateway/server.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/channel_path.h"
#include "core/errors.h"
#include "core/fanout.h"
#include "core/sync.h"
#include "gateway/codec.h"
#include "gateway/http_message.h"
#include "gateway/protocol.h"
#include "gateway/publisher.h"
#include "gateway/subscriber.h"
#include "gateway/websocket_codec.h"
#include "logging/log.h"
#include "metrics/counters.h"

namespace pushgw::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kTick = std::chrono::milliseconds(100);
// How long a connection that must close may take to write its last bytes.
constexpr absl::Duration kCloseGrace = absl::Seconds(5);

class Worker;
class Connection;

// Bytes queued for a socket, kept alive by `owner` (a message or a string).
struct OutBuf {
  std::shared_ptr<const void> owner;
  const char* data;
  size_t size;
  bool message = false;  // a message's bytes (the slow-consumer policy may drop it)
};

OutBuf Owned(std::string bytes) {
  auto s = std::make_shared<const std::string>(std::move(bytes));
  return OutBuf{s, s->data(), s->size()};
}

OutBuf MessageBytes(const core::MessagePtr& m, const std::string& bytes) {
  return OutBuf{m, bytes.data(), bytes.size(), true};
}

OutBuf Static(absl::string_view bytes) { return OutBuf{nullptr, bytes.data(), bytes.size()}; }

struct Route {
  int location = -1;  // index into config locations / codecs
  std::string decoded_path;
};

// Everything the workers share read-only, plus the store.
struct EdgeState {
  core::ServerConfig config;
  core::Store* store = nullptr;
  std::vector<std::unique_ptr<LocationCodec>> codecs;  // parallel to config.locations
  std::vector<int> by_length;                          // location indexes, longest path first
  std::string hostname;
  std::function<std::vector<core::WorkerInfo>()> workers;

  // `target` is the raw request-target; the query never takes part in routing.
  Route Match(absl::string_view target) const {
    Route route;
    route.decoded_path = core::PercentDecode(target.substr(0, target.find('?')));
    for (int i : by_length) {
      if (absl::StartsWith(route.decoded_path, config.locations[i].path)) {
        route.location = i;
        break;
      }
    }
    return route;
  }
};

// One I/O thread and everything it owns. All methods run on the worker's
// thread unless marked "any thread".
class Worker {
 public:
  Worker(int number, EdgeState& shared) : number_(number), shared_(shared), tick_(io_) {}

  asio::io_context& io() { return io_; }
  EdgeState& shared() { return shared_; }
  int number() const { return number_; }

  void Run(std::promise<void>* started) {
    tid_.store(static_cast<int64_t>(::syscall(SYS_gettid)), std::memory_order_relaxed);
    now_ = start_;
    ScheduleTick();
    started->set_value();
    io_.run();
  }

  // Any thread: a message or deletion for this worker's subscribers. One
  // post per batch, not per message (STYLE §7).
  void Enqueue(const core::MessagePtr& message, bool deleted) {
    bool schedule = false;
    {
      MutexLock lock(&inbox_mu_);
      inbox_.push_back({message, deleted});
      if (!drain_scheduled_) {
        drain_scheduled_ = true;
        schedule = true;
      }
    }
    if (schedule) asio::post(io_, [this] { Drain(); });
  }

  // Any thread.
  core::WorkerInfo Info() const {
    core::WorkerInfo info;
    info.pid = tid_.load(std::memory_order_relaxed);
    info.subscribers = subscribers_.load(std::memory_order_relaxed);
    info.uptime = absl::ToInt64Seconds(absl::Now() - start_);
    return info;
  }
  int64_t connection_count() const { return connection_count_.load(std::memory_order_relaxed); }

  absl::Time now() const { return now_; }

  void Add(Connection* c);
  void Remove(Connection* c);
  void Register(const std::string& channel, Connection* c) { index_[channel].push_back(c); }
  void Unregister(const std::string& channel, Connection* c);
  // Queues `c` for the next flush. Writes that complete while the worker is
  // busy are coalesced: one posted flush per batch, not one write per completion.
  void MarkDirty(Connection* c) {
    dirty_.push_back(c);
    if (!flush_posted_) {
      flush_posted_ = true;
      asio::post(io_, [this] {
        flush_posted_ = false;
        FlushDirty();
        graveyard_.clear();
      });
    }
  }
  // Keeps a closing connection alive until the current drain or tick ends.
  void Bury(std::shared_ptr<Connection> c) { graveyard_.push_back(std::move(c)); }
  void CountSubscriber(int delta) { subscribers_.fetch_add(delta, std::memory_order_relaxed); }
  // Connections that are or are becoming subscribers. A worker with none is
  // skipped by the fan-out (no hand-off, no wakeup). Sequentially consistent:
  // see Connection::Dispatch for why that is enough.
  void AddInterest(int delta) { interest_.fetch_add(delta); }
  bool interested() const { return interest_.load() > 0; }
  metrics::EdgeCounters& counters() { return counters_; }
  bool draining() const { return draining_; }
  // Any thread: start closing this worker's connections, spread evenly until
  // `pace_until` so clients do not all reconnect at once.
  void StartDrain(absl::Time pace_until) {
    asio::post(io_, [this, pace_until] {
      draining_ = true;
      drain_until_ = pace_until;
    });
  }
  const metrics::EdgeCounters& counters() const { return counters_; }

  void CloseAll();
  void Stop() {
    asio::post(io_, [this] {
      tick_.cancel();
      CloseAll();
    });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Returns once the thread runs, so Info() has its thread id from the start.
  void StartThread() {
    std::promise<void> started;
    std::future<void> ready = started.get_future();
    thread_ = std::thread([this, &started] { Run(&started); });
    ready.wait();
  }

 private:
  struct InboxItem {
    core::MessagePtr message;
    bool deleted;
  };

  void Drain();
  void Tick();
  void ScheduleTick() {
    tick_.expires_after(kTick);
    tick_.async_wait([this](beast::error_code ec) {
      if (!ec) Tick();
    });
  }
  void FlushDirty();
  // Removes the holes Unregister() left in the channel lists.
  void CompactIndex();

  const int number_;
  EdgeState& shared_;
  asio::io_context io_{1};
  asio::steady_timer tick_;
  std::thread thread_;
  std::atomic<int64_t> tid_{0};
  const absl::Time start_ = absl::Now();  // set before the thread starts
  absl::Time now_ = absl::Now();

  Mutex inbox_mu_;
  std::vector<InboxItem> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  bool drain_scheduled_ ABSL_GUARDED_BY(inbox_mu_) = false;

  // Worker-thread state.
  absl::flat_hash_map<std::string, std::vector<Connection*>> index_;
  absl::flat_hash_set<std::string> holes_;  // channels whose lists have null entries
  std::vector<Connection*> connections_;    // every open connection, for the tick
  std::vector<Connection*> dirty_;
  bool flush_posted_ = false;
  std::vector<std::shared_ptr<Connection>> graveyard_;
  std::atomic<int64_t> subscribers_{0};
  std::atomic<int64_t> connection_count_{0};
  std::atomic<int64_t> interest_{0};
  metrics::EdgeCounters counters_;
  bool draining_ = false;
  absl::Time drain_until_ = absl::InfinitePast();
};

// One TCP connection: HTTP requests until it becomes a subscriber (stream,
// EventSource, waiting long-poll) or a WebSocket. Worker thread only.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker& worker, tcp::socket socket)
      : worker_(worker), shared_(worker.shared()), socket_(std::move(socket)) {}

  void Start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    worker_.Add(this);
    added_ = true;
    ReadRequest();
  }

  bool open() const { return state_ != State::kClosed; }

  void OnMessage(const core::MessagePtr& m);
  void OnDeleted(const core::MessagePtr& m);
  void OnTick(absl::Time now);
  void Flush();
  // Ends the connection now, without a proper ending.
  void Abort();
  // Ends a stream with its mode's proper ending (footer, last chunk, close frame).
  void EndStream();
  // Shutdown: ends a subscriber with its mode's proper ending, closes an idle
  // keep-alive connection, lets a request in progress finish (then closes).
  // Returns whether the connection was a subscriber it ended.
  bool Drain();

 private:
  enum class State { kRequest, kResponding, kStreaming, kLongPolling, kWebSocket, kClosed };

  const core::LocationOptions& location() const { return shared_.config.locations[route_]; }
  metrics::LocationKind location_kind() const {
    if (route_ < 0) {
      return shared_.config.listen.static_root.empty() ? metrics::LocationKind::kNone
                                                       : metrics::LocationKind::kStatic;
    }
    switch (location().type) {
      case core::LocationType::kPublisher:
        return metrics::LocationKind::kPublisher;
      case core::LocationType::kStatistics:
        return metrics::LocationKind::kStatistics;
      case core::LocationType::kSubscriber:
        return metrics::LocationKind::kSubscriber;
    }
    return metrics::LocationKind::kNone;
  }
  void CountPublish(const HttpRequest& request, absl::string_view decoded_path,
                    const HttpResponse& response);
  void AccessLog(int status);
  void ReleaseInterest();
  const LocationCodec& codec() const { return *shared_.codecs[route_]; }

  void ReadRequest();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnRequest(beast::error_code ec);
  void Dispatch(HttpRequest request, const Route& route);
  void Respond(const HttpResponse& response, bool keep_alive);
  void RespondAnswer(const ImmediateAnswer& answer, bool keep_alive);
  void ServeStatic(const HttpRequest& request, const Route& route);
  void StartSubscriber(SubscriberPlan plan, const HttpRequest& request);
  void StartWebSocket(WebSocketPlan plan);
  void Subscribed();
  void Unsubscribe();
  void FinishLongPoll(const ImmediateAnswer& answer);
  void Push(OutBuf buf);
  // Queues a message's bytes; `rendered` is its length before chunk framing
  // (what padding by user agent measures).
  void PushMessageBytes(const core::MessagePtr& m, const std::string& bytes, size_t rendered);
  void PushLive(const core::MessagePtr& m);
  void OnWrite(beast::error_code ec);
  void WatchRead();
  void OnReadable(beast::error_code ec);
  void HandleWebSocketInput(absl::string_view data);
  void CloseSocket();
  void AfterWrite();

  Worker& worker_;
  EdgeState& shared_;
  tcp::socket socket_;
  State state_ = State::kRequest;
  bool added_ = false;
  int route_ = -1;
  bool keep_alive_ = true;
  bool chunked_ = true;  // HTTP/1.1 stream
  bool close_after_write_ = false;
  bool read_next_after_write_ = false;
  bool write_in_flight_ = false;
  bool dirty_ = false;
  bool watching_ = false;
  bool counted_ = false;             // counts in this worker's subscribers
  bool version11_ = true;            // HTTP/1.1 request (chunked answers)
  bool keep_alive_started_ = false;  // a previous request was answered
  metrics::Transport transport_ = metrics::Transport::kStream;  // while subscribed
  metrics::Disconnect end_reason_ = metrics::Disconnect::kClient;
  bool long_poll_answered_ = false;  // a long-poll that ends by its answer is no disconnect
  std::string access_request_;       // "METHOD target" when the access log is on
  bool interest_held_ = false;       // counted in the worker's interest (may get messages)

  // Request phase only; released once the connection subscribes.
  std::unique_ptr<beast::flat_buffer> buffer_;
  std::unique_ptr<http::request_parser<http::string_body>> parser_;

  // Subscriber state.
  std::unique_ptr<core::Subscription> subscription_;
  std::unique_ptr<SubscriberPlan> long_poll_;  // long-polling: what its answer needs
  std::unique_ptr<ws::FrameParser> ws_parser_;
  Padding padding_;
  absl::Time deadline_ = absl::InfiniteFuture();  // request read / keep-alive idle / close grace
  absl::Time ttl_deadline_ = absl::InfiniteFuture();
  absl::Time next_ping_ = absl::InfiniteFuture();

  // Output: one write in flight; what queues meanwhile goes out in one gather write.
  std::vector<OutBuf> pending_;
  std::vector<OutBuf> writing_;
  size_t pending_bytes_ = 0;
  size_t pending_messages_ = 0;
};

// --- Worker ------------------------------------------------------------------------

void Worker::Add(Connection* c) {
  connections_.push_back(c);
  connection_count_.fetch_add(1, std::memory_order_relaxed);
}

void Worker::Remove(Connection* c) {
  auto it = std::find(connections_.begin(), connections_.end(), c);
  if (it != connections_.end()) {
    *it = connections_.back();
    connections_.pop_back();
    connection_count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Worker::Unregister(const std::string& channel, Connection* c) {
  auto it = index_.find(channel);
  if (it == index_.end()) return;
  std::vector<Connection*>& list = it->second;
  // Null out rather than erase: a delivery loop may be walking this list.
  for (Connection*& entry : list) {
    if (entry == c) {
      entry = nullptr;
      holes_.insert(channel);
      break;
    }
  }
}

void Worker::CompactIndex() {
  for (const std::string& channel : holes_) {
    auto it = index_.find(channel);
    if (it == index_.end()) continue;
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), nullptr), list.end());
    if (list.empty()) index_.erase(it);
  }
  holes_.clear();
}

void Worker::Drain() {
  std::vector<InboxItem> items;
  {
    MutexLock lock(&inbox_mu_);
    items.swap(inbox_);
    drain_scheduled_ = false;
  }
  counters_.inbox_depth.Set(static_cast<int64_t>(items.size()));
  now_ = absl::Now();
  for (const InboxItem& item : items) {
    auto it = index_.find(item.message->channel());
    if (it == index_.end()) continue;
    // Index-based: deliveries may append (never reallocating what we read) or null out.
    std::vector<Connection*>& list = it->second;
    const size_t n = list.size();
    for (size_t i = 0; i < n; ++i) {
      Connection* c = list[i];
      if (c == nullptr) continue;
      if (item.deleted) {
        c->OnDeleted(item.message);
      } else {
        c->OnMessage(item.message);
      }
    }
  }
  FlushDirty();
  CompactIndex();
  graveyard_.clear();
}

void Worker::FlushDirty() {
  // Flush may mark others dirty only through new messages, which come later.
  std::vector<Connection*> dirty;
  dirty.swap(dirty_);
  for (Connection* c : dirty) c->Flush();
}

void Worker::Tick() {
  now_ = absl::Now();
  // Connections may remove themselves while we walk: iterate over a copy.
  std::vector<Connection*> snapshot = connections_;
  for (Connection* c : snapshot) {
    if (c->open()) c->OnTick(now_);
  }
  if (draining_) {
    // Close ceil(remaining / ticks left) subscribers per tick.
    const int64_t ticks_left = std::max<int64_t>(
        1, absl::ToInt64Milliseconds(drain_until_ - now_) /
               std::chrono::duration_cast<std::chrono::milliseconds>(kTick).count());
    const int64_t quota = (static_cast<int64_t>(connections_.size()) + ticks_left - 1) / ticks_left;
    int64_t ended = 0;
    std::vector<Connection*> all = connections_;
    for (Connection* c : all) {
      if (ended >= quota) break;
      if (c->open() && c->Drain()) ++ended;
    }
  }
  FlushDirty();
  CompactIndex();
  graveyard_.clear();
  ScheduleTick();
}

void Worker::CloseAll() {
  std::vector<Connection*> snapshot = connections_;
  for (Connection* c : snapshot) c->Abort();
  dirty_.clear();  // every connection is closed; none may be flushed after it is freed
  graveyard_.clear();
}

// --- Connection: requests ------------------------------------------------------------

void Connection::ReadRequest() {
  state_ = State::kRequest;
  route_ = -1;
  if (!buffer_) buffer_ = std::make_unique<beast::flat_buffer>();
  parser_ = std::make_unique<http::request_parser<http::string_body>>();
  parser_->header_limit(static_cast<uint32_t>(shared_.config.listen.max_header_bytes));
  deadline_ = worker_.now() + (keep_alive_started_ ? shared_.config.listen.keepalive_timeout
                                                   : shared_.config.listen.request_header_timeout);
  http::async_read_header(
      socket_, *buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (ec == http::error::header_limit) {
      HttpResponse r;
      r.status = 431;
      Respond(r, false);
      return;
    }
    if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
        ec != asio::error::eof && ec != asio::error::connection_reset) {
      HttpResponse r;
      r.status = 400;
      Respond(r, false);
      return;
    }
    Abort();
    return;
  }
  deadline_ = worker_.now() + shared_.config.listen.request_header_timeout;
  auto& req = parser_->get();
  Route route = shared_.Match(absl::string_view(req.target().data(), req.target().size()));
  uint64_t limit = 64 * 1024;  // bodies of non-publisher requests are read and dropped (Δf)
  bool publisher = false;
  if (route.location >= 0 &&
      shared_.config.locations[route.location].type == core::LocationType::kPublisher) {
    publisher = true;
    limit = shared_.config.locations[route.location].max_body_size;
  }
  const boost::optional<uint64_t> length = parser_->content_length();
  if (length && *length > limit) {
    route_ = route.location;
    HttpResponse r = publisher ? PublisherBodyTooLarge(location()) : HttpResponse{};
    if (!publisher) r.status = 413;
    Respond(r, /*keep_alive=*/false);
    return;
  }
  parser_->body_limit(limit);
  auto expect = req.find(http::field::expect);
  if (expect != req.end() &&
      absl::EqualsIgnoreCase(absl::string_view(expect->value().data(), expect->value().size()),
                             "100-continue")) {
    auto self = shared_from_this();
    auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(socket_, asio::buffer(*cont), [self, cont](beast::error_code wec, size_t) {
      if (wec) return self->Abort();
      self->ReadBody();
    });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  http::async_read(
      socket_, *buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
}

void Connection::OnRequest(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  auto& req = parser_->get();
  Route route = shared_.Match(absl::string_view(req.target().data(), req.target().size()));
  if (ec == http::error::body_limit) {
    route_ = route.location;
    HttpResponse r;
    if (route.location >= 0 && location().type == core::LocationType::kPublisher) {
      r = PublisherBodyTooLarge(location());
    } else {
      r.status = 413;
    }
    Respond(r, false);
    return;
  }
  if (ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      Abort();
      return;
    }
    HttpResponse r;
    r.status = 400;
    Respond(r, false);
    return;
  }
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.version = req.version();
  request.keep_alive = req.keep_alive();
  for (const auto& field : req) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(req.body());
  keep_alive_ = request.keep_alive;
  version11_ = request.version >= 11;
  parser_.reset();
  Dispatch(std::move(request), route);
}

void Connection::AccessLog(int status) {
  if (access_request_.empty()) return;
  logging::Info("access", {{"request", access_request_}, {"status", std::to_string(status)}});
  access_request_.clear();
}

void Connection::Dispatch(HttpRequest request, const Route& route) {
  route_ = route.location;
  if (shared_.config.listen.access_log) {
    access_request_ = absl::StrCat(request.method, " ", request.target);
  }
  if (route_ < 0) {
    ServeStatic(request, route);
    return;
  }
  core::Store& store = *shared_.store;
  switch (location().type) {
    case core::LocationType::kPublisher: {
      HttpResponse response =
          HandlePublisher(location(), request, route.decoded_path, store, shared_.hostname);
      CountPublish(request, route.decoded_path, response);
      Respond(response, keep_alive_);
      return;
    }
    case core::LocationType::kStatistics: {
      StatsContext context;
      context.hostname = shared_.hostname;
      context.workers = shared_.workers;
      Respond(HandleStatistics(location(), request, route.decoded_path, store, context),
              keep_alive_);
      return;
    }
    case core::LocationType::kSubscriber:
      // Declare interest before the store takes the subscription's snapshot:
      // a publish that follows the snapshot then sees this worker as
      // interested (the channel lock orders the two), so nothing is skipped.
      worker_.AddInterest(1);
      interest_held_ = true;
      if (IsWebSocketLocation(location())) {
        StartWebSocket(PlanWebSocket(codec(), request, route.decoded_path, store));
      } else {
        StartSubscriber(PlanSubscriber(codec(), request, route.decoded_path, store), request);
      }
      if (!subscription_) ReleaseInterest();  // answered at once: nothing to deliver here
      return;
  }
}

void Connection::ReleaseInterest() {
  if (!interest_held_) return;
  interest_held_ = false;
  worker_.AddInterest(-1);
}

void Connection::CountPublish(const HttpRequest& request, absl::string_view decoded_path,
                              const HttpResponse& response) {
  if (request.method != "POST" && request.method != "PUT") return;
  metrics::EdgeCounters& counters = worker_.counters();
  if (response.status == 200) {
    const size_t channels =
        core::ParseChannelPath(ChannelPathOf(location(), request, decoded_path)).size();
    counters.published[static_cast<size_t>(metrics::PublishSource::kHttp)].Add(
        static_cast<int64_t>(channels));
    return;
  }
  metrics::PublishError reason = metrics::PublishError::kBadRequest;
  if (response.status == 413) {
    reason = metrics::PublishError::kTooLarge;
  } else if (response.status >= 500) {
    reason = metrics::PublishError::kMemory;
  } else if (response.status == 403) {
    std::optional<absl::string_view> explain = response.Header(kExplainHeader);
    reason = explain && *explain == core::kChannelsExceeded ? metrics::PublishError::kLimit
                                                            : metrics::PublishError::kForbidden;
  } else if (response.status != 400) {
    return;  // 405 and friends are not publishes
  }
  counters.publish_errors[static_cast<size_t>(reason)].Add();
}

void Connection::Respond(const HttpResponse& response, bool keep_alive) {
  worker_.counters().CountResponse(location_kind(), response.status);
  AccessLog(response.status);
  if (worker_.draining()) keep_alive = false;
  state_ = State::kResponding;
  Push(Owned(SerializeResponse(response, keep_alive)));
  if (keep_alive) {
    read_next_after_write_ = true;
  } else {
    close_after_write_ = true;
  }
  Flush();
}

void Connection::RespondAnswer(const ImmediateAnswer& answer, bool keep_alive) {
  if (!answer.chunked_body) {
    Respond(answer.response, keep_alive);
    return;
  }
  worker_.counters().CountResponse(location_kind(), answer.response.status);
  AccessLog(answer.response.status);
  if (worker_.draining()) keep_alive = false;
  state_ = State::kResponding;
  const bool chunked = version11_;  // SPEC §0.1: chunked for every HTTP/1.1 request
  std::string bytes = SerializeStreamingHead(answer.response, chunked, keep_alive && chunked);
  if (chunked) {
    AppendChunk(answer.response.body, &bytes);
    bytes += kLastChunk;
  } else {
    bytes += answer.response.body;
  }
  Push(Owned(std::move(bytes)));
  if (keep_alive && chunked) {
    read_next_after_write_ = true;
  } else {
    close_after_write_ = true;
  }
  Flush();
}

void Connection::ServeStatic(const HttpRequest& request, const Route& route) {
  HttpResponse r;
  const std::string& root = shared_.config.listen.static_root;
  std::string path = route.decoded_path;
  if (root.empty() || (request.method != "GET" && request.method != "HEAD") ||
      path.find("..") != std::string::npos || path.empty() || path[0] != '/' ||
      path.find('\0') != std::string::npos) {
    r.status = 404;
    Respond(r, keep_alive_);
    return;
  }
  if (path.back() == '/') path += "index.html";
  std::ifstream file(root + path, std::ios::binary);
  std::stringstream content;
  if (!file || !(content << file.rdbuf())) {
    r.status = 404;
    Respond(r, keep_alive_);
    return;
  }
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
  };
  absl::string_view type = "application/octet-stream";
  for (const auto& [ext, mime] : kTypes) {
    if (absl::EndsWith(path, ext)) type = mime;
  }
  r.status = 200;
  r.Add("Content-Type", type);
  r.Add("Cache-Control", "no-cache");
  r.body = content.str();
  if (request.method == "HEAD") {
    std::string head = SerializeResponse(r, keep_alive_);
    head.resize(head.size() - r.body.size());
    state_ = State::kResponding;
    Push(Owned(std::move(head)));
    (keep_alive_ ? read_next_after_write_ : close_after_write_) = true;
    Flush();
    return;
  }
  Respond(r, keep_alive_);
}

// --- Connection: subscribers ---------------------------------------------------------

void Connection::StartSubscriber(SubscriberPlan plan, const HttpRequest& request) {
  if (plan.answer) {
    RespondAnswer(*plan.answer, keep_alive_);
    return;
  }
  chunked_ = request.version >= 11;
  subscription_ = std::move(plan.subscription);
  const absl::Time now = worker_.now();
  if (plan.mode == core::SubscriberMode::kLongPolling) {
    state_ = State::kLongPolling;
    absl::Duration wait = location().longpolling_connection_ttl;
    if (wait <= absl::ZeroDuration()) wait = location().subscriber_connection_ttl;
    ttl_deadline_ = wait > absl::ZeroDuration() ? now + wait : absl::InfiniteFuture();
    long_poll_ = std::make_unique<SubscriberPlan>(std::move(plan));
    Subscribed();
    return;
  }
  state_ = State::kStreaming;
  worker_.counters().CountResponse(metrics::LocationKind::kSubscriber, 200);
  AccessLog(200);
  padding_ = plan.padding;
  std::string bytes = SerializeStreamingHead(plan.head, chunked_, keep_alive_ && chunked_);
  for (const std::string& piece : plan.first_pieces) {
    if (chunked_) {
      AppendChunk(piece, &bytes);
    } else {
      bytes += piece;
    }
  }
  Push(Owned(std::move(bytes)));
  if (location().subscriber_connection_ttl > absl::ZeroDuration()) {
    ttl_deadline_ = now + location().subscriber_connection_ttl;
  }
  if (location().ping_message_interval > absl::ZeroDuration()) {
    next_ping_ = now + location().ping_message_interval;
  }
  Subscribed();
  Flush();
}

void Connection::StartWebSocket(WebSocketPlan plan) {
  if (plan.http_error) {
    Respond(*plan.http_error, keep_alive_);
    return;
  }
  state_ = State::kWebSocket;
  worker_.counters().CountResponse(metrics::LocationKind::kSubscriber, 101);
  AccessLog(101);
  std::string bytes = std::move(plan.handshake);
  if (!plan.close_frame.empty()) {
    bytes += plan.close_frame;
    Push(Owned(std::move(bytes)));
    close_after_write_ = true;
    Flush();
    return;
  }
  subscription_ = std::move(plan.subscription);
  bytes += codec().websocket_header_frame();
  std::string scratch;
  for (core::Subscription::Entry& entry : subscription_->entries()) {
    for (const core::MessagePtr& m : entry.old) bytes += codec().WebSocketFrame(*m, &scratch);
    entry.old.clear();
    entry.old.shrink_to_fit();
  }
  Push(Owned(std::move(bytes)));
  const absl::Time now = worker_.now();
  if (location().subscriber_connection_ttl > absl::ZeroDuration()) {
    ttl_deadline_ = now + location().subscriber_connection_ttl;
  }
  if (location().ping_message_interval > absl::ZeroDuration()) {
    next_ping_ = now + location().ping_message_interval;
  }
  ws_parser_ = std::make_unique<ws::FrameParser>(location().websocket_max_message_size);
  // Frames the client sent right behind its handshake are already buffered.
  std::string early;
  if (buffer_ && buffer_->size() > 0) {
    early.assign(static_cast<const char*>(buffer_->data().data()), buffer_->size());
  }
  Subscribed();
  if (!early.empty()) HandleWebSocketInput(early);
  Flush();
}

// Common to every waiting mode: index the channels, count, watch the socket.
void Connection::Subscribed() {
  for (const core::Subscription::Entry& entry : subscription_->entries()) {
    if (entry.attached) worker_.Register(entry.id, this);
  }
  worker_.CountSubscriber(1);
  counted_ = true;
  if (state_ == State::kWebSocket) {
    transport_ = metrics::Transport::kWebSocket;
  } else if (state_ == State::kLongPolling) {
    transport_ = metrics::Transport::kLongPoll;
  } else {
    transport_ =
        codec().is_eventsource() ? metrics::Transport::kEventSource : metrics::Transport::kStream;
  }
  worker_.counters().connections[static_cast<size_t>(transport_)].Add(1);
  deadline_ = absl::InfiniteFuture();
  if (state_ != State::kLongPolling) buffer_.reset();  // idle subscribers keep no read buffer
  WatchRead();
}

void Connection::Unsubscribe() {
  if (subscription_) {
    for (const core::Subscription::Entry& entry : subscription_->entries()) {
      worker_.Unregister(entry.id, this);
    }
    subscription_.reset();  // detaches: client_unsubscribed events
  }
  if (counted_) {
    counted_ = false;
    worker_.CountSubscriber(-1);
    metrics::EdgeCounters& counters = worker_.counters();
    counters.connections[static_cast<size_t>(transport_)].Add(-1);
    if (!long_poll_answered_) counters.disconnects[static_cast<size_t>(end_reason_)].Add();
  }
  ReleaseInterest();
}

void Connection::OnMessage(const core::MessagePtr& m) {
  if (!subscription_) return;
  bool matched = false;
  for (core::Subscription::Entry& entry : subscription_->entries()) {
    if (!entry.attached || entry.id != m->channel() || entry.serial != m->channel_serial() ||
        m->id() <= entry.watermark) {
      continue;
    }
    entry.watermark = m->id();
    matched = true;
  }
  if (!matched) return;
  switch (state_) {
    case State::kStreaming:
    case State::kWebSocket:
      PushLive(m);
      break;
    case State::kLongPolling:
      FinishLongPoll(
          LongPollMessageAnswer(codec(), *long_poll_, *m, absl::ToUnixSeconds(worker_.now())));
      return;
    default:
      return;
  }
  if (location().ping_message_interval > absl::ZeroDuration()) {
    next_ping_ = worker_.now() + location().ping_message_interval;
  }
}

void Connection::PushLive(const core::MessagePtr& m) {
  metrics::EdgeCounters& counters = worker_.counters();
  counters.delivered[static_cast<size_t>(transport_)].Add();
  if (counters.latency_sampler.Get() + 1 >= static_cast<int64_t>(metrics::kLatencySampleEvery)) {
    counters.latency_sampler.Set(0);
    if (m->publish_nanos() > 0) {
      counters.latency.Observe(absl::GetCurrentTimeNanos() - m->publish_nanos());
    }
  } else {
    counters.latency_sampler.Add();
  }
  // The bytes normally live in the message's render cache; a message made
  // without cache slots renders into `scratch`, which must then be copied.
  std::string scratch;
  std::string chunk_scratch;
  const std::string* bytes;
  size_t rendered;
  if (state_ == State::kWebSocket) {
    bytes = &codec().WebSocketFrame(*m, &scratch);
    rendered = bytes->size();
  } else {
    const std::string& body = codec().Body(*m, &scratch);
    rendered = body.size();
    bytes = chunked_ ? &codec().StreamChunk(*m, &chunk_scratch) : &body;
  }
  if (bytes == &scratch || bytes == &chunk_scratch) {
    auto owned = std::make_shared<const std::string>(*bytes);
    auto keep =
        std::make_shared<const std::pair<core::MessagePtr, std::shared_ptr<const std::string>>>(
            m, owned);
    // Keep the message and the copy alive together; the queue sees one owner.
    PushMessageBytes(core::MessagePtr(keep, m.get()), *owned, rendered);
    return;
  }
  PushMessageBytes(m, *bytes, rendered);
}

void Connection::PushMessageBytes(const core::MessagePtr& m, const std::string& bytes,
                                  size_t rendered) {
  const core::LocationOptions& loc = location();
  if (pending_messages_ >= loc.send_queue_max_messages ||
      pending_bytes_ + bytes.size() > loc.send_queue_max_bytes) {
    if (loc.slow_consumer_policy == core::SlowConsumerPolicy::kDropOldest) {
      // Drop the oldest queued message (never a partial item).
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (it->message) {
          pending_bytes_ -= it->size;
          --pending_messages_;
          pending_.erase(it);
          worker_.counters().slow_consumer_drops.Add();
          break;
        }
      }
    } else {
      // Disconnect: the queue is already too far behind to add an ending.
      end_reason_ = metrics::Disconnect::kSlowConsumer;
      Abort();
      return;
    }
  }
  Push(MessageBytes(m, bytes));
  ++pending_messages_;
  if (padding_.active()) {
    const size_t n = LocationCodec::PaddingLength(padding_.message_min, rendered, padding_.max);
    if (n > 0) {
      std::string pad;
      if (chunked_) {
        AppendChunk(codec().PaddingBytes(n), &pad);
      } else {
        pad = std::string(codec().PaddingBytes(n));
      }
      Push(Owned(std::move(pad)));
    }
  }
}

void Connection::OnDeleted(const core::MessagePtr& m) {
  if (!subscription_) return;
  auto& entries = subscription_->entries();
  bool matched = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].attached || entries[i].id != m->channel() ||
        entries[i].serial != m->channel_serial()) {
      continue;
    }
    matched = true;
    worker_.Unregister(entries[i].id, this);
    shared_.store->Detach(*subscription_, i);
  }
  if (!matched) return;
  switch (state_) {
    case State::kStreaming:
    case State::kWebSocket:
      PushLive(m);
      break;
    case State::kLongPolling:
      FinishLongPoll(
          LongPollMessageAnswer(codec(), *long_poll_, *m, absl::ToUnixSeconds(worker_.now())));
      return;
    default:
      return;
  }
  if (subscription_ && subscription_->attached_count() == 0) {
    end_reason_ = metrics::Disconnect::kDeleted;
    EndStream();
  } else if (location().ping_message_interval > absl::ZeroDuration()) {
    next_ping_ = worker_.now() + location().ping_message_interval;  // a delivery restarts it
  }
}

void Connection::FinishLongPoll(const ImmediateAnswer& answer) {
  // The answer must be written within the request deadline, like any response.
  deadline_ = worker_.now() + shared_.config.listen.request_header_timeout;
  long_poll_answered_ = true;
  Unsubscribe();
  long_poll_answered_ = false;
  worker_.counters().delivered[static_cast<size_t>(metrics::Transport::kLongPoll)].Add();
  long_poll_.reset();
  ttl_deadline_ = absl::InfiniteFuture();
  RespondAnswer(answer, keep_alive_);
  worker_.MarkDirty(this);
}

void Connection::EndStream() {
  if (state_ == State::kClosed) return;
  std::string bytes;
  if (state_ == State::kStreaming) {
    if (chunked_) {
      AppendChunk(codec().footer(), &bytes);
      bytes += kLastChunk;
    } else {
      bytes = codec().footer();
    }
  } else if (state_ == State::kWebSocket) {
    // SPEC §7.8: on ttl, deletion of the last channel and shutdown alike.
    bytes = codec().websocket_footer_frame();
    bytes.append(ws::kEmptyCloseFrame.data(), ws::kEmptyCloseFrame.size());
  }
  Unsubscribe();
  if (!bytes.empty()) Push(Owned(std::move(bytes)));
  close_after_write_ = true;
  deadline_ = worker_.now() + kCloseGrace;
  Flush();
}

bool Connection::Drain() {
  keep_alive_ = false;
  switch (state_) {
    case State::kStreaming:
    case State::kWebSocket:
      if (!subscription_) return false;  // already ending
      end_reason_ = metrics::Disconnect::kDrain;
      EndStream();
      return true;
    case State::kLongPolling:
      end_reason_ = metrics::Disconnect::kDrain;
      long_poll_answered_ = false;
      deadline_ = worker_.now() + kCloseGrace;
      Unsubscribe();
      {
        ImmediateAnswer answer = LongPollTimeoutAnswer(
            codec(), *long_poll_, *shared_.store->timed_out_message(),
            shared_.store->options().timeout_with_body, absl::ToUnixSeconds(worker_.now()));
        long_poll_.reset();
        RespondAnswer(answer, /*keep_alive=*/false);
      }
      return true;
    case State::kRequest:
      // Idle between requests: nothing is lost by closing.
      if ((!buffer_ || buffer_->size() == 0) && (!parser_ || !parser_->got_some())) Abort();
      return false;
    default:
      return false;
  }
}

void Connection::OnTick(absl::Time now) {
  if (now >= deadline_) {
    Abort();
    return;
  }
  switch (state_) {
    case State::kLongPolling:
      if (now >= ttl_deadline_) {
        FinishLongPoll(LongPollTimeoutAnswer(
            codec(), *long_poll_, *shared_.store->timed_out_message(),
            shared_.store->options().timeout_with_body, absl::ToUnixSeconds(now)));
      }
      return;
    case State::kStreaming:
    case State::kWebSocket:
      if (!subscription_) return;  // ending
      if (now >= ttl_deadline_) {
        end_reason_ = metrics::Disconnect::kTtl;
        EndStream();
        return;
      }
      if (now >= next_ping_) {
        next_ping_ = now + location().ping_message_interval;
        if (state_ == State::kWebSocket) {
          Push(Static(ws::kEmptyPingFrame));
        } else {
          const std::string& ping = codec().Ping(chunked_);
          Push(Static(ping));
          if (padding_.active() && !codec().is_eventsource()) {  // only the streaming ping
            const std::string& plain = codec().Ping(false);
            const size_t n =
                LocationCodec::PaddingLength(padding_.message_min, plain.size(), padding_.max);
            if (n > 0) {
              std::string pad;
              if (chunked_) {
                AppendChunk(codec().PaddingBytes(n), &pad);
              } else {
                pad = std::string(codec().PaddingBytes(n));
              }
              Push(Owned(std::move(pad)));
            }
          }
        }
        worker_.MarkDirty(this);
      }
      return;
    default:
      return;
  }
}

// --- Connection: reading while subscribed ----------------------------------------------

void Connection::WatchRead() {
  if (watching_ || state_ == State::kClosed) return;
  watching_ = true;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    self->watching_ = false;
    self->OnReadable(ec);
  });
}

void Connection::OnReadable(beast::error_code ec) {
  // Back to reading requests (a long-poll was answered): Beast reads now.
  if (state_ != State::kStreaming && state_ != State::kWebSocket && state_ != State::kLongPolling) {
    return;
  }
  if (ec) {
    Abort();
    return;
  }
  char chunk[16 * 1024];
  beast::error_code read_ec;
  socket_.non_blocking(true, read_ec);
  const size_t n = socket_.read_some(asio::buffer(chunk), read_ec);
  if (read_ec == asio::error::would_block) {
    WatchRead();
    return;
  }
  if (read_ec || n == 0) {
    // The client went away (SPEC §7.3: stop counting as soon as we notice).
    Abort();
    return;
  }
  switch (state_) {
    case State::kWebSocket:
      HandleWebSocketInput(absl::string_view(chunk, n));
      break;
    case State::kLongPolling:
      // A pipelined request while waiting: keep it for after the answer.
      if (buffer_ && buffer_->size() + n <= shared_.config.listen.max_header_bytes) {
        auto dst = buffer_->prepare(n);
        std::memcpy(dst.data(), chunk, n);
        buffer_->commit(n);
      } else {
        Abort();
        return;
      }
      break;
    default:
      break;  // streaming clients have nothing to say; drop it
  }
  if (state_ != State::kClosed) WatchRead();
}

void Connection::HandleWebSocketInput(absl::string_view data) {
  while (state_ == State::kWebSocket && ws_parser_) {
    ws::ClientEvent event = ws_parser_->Next(&data);
    switch (event.type) {
      case ws::ClientEventType::kNeedMoreData:
        return;
      case ws::ClientEventType::kText:
        if (location().websocket_allow_publish && subscription_) {
          core::PublishRequest request;
          request.text = std::move(event.payload);
          request.store = location().store_messages;
          // Errors (memory) are counted; the socket protocol has no answer for them.
          absl::StatusOr<std::vector<core::PublishResult>> published =
              shared_.store->PublishToSubscription(*subscription_, request);
          metrics::EdgeCounters& counters = worker_.counters();
          if (published.ok()) {
            counters.published[static_cast<size_t>(metrics::PublishSource::kWebSocket)].Add(
                static_cast<int64_t>(published->size()));
          } else {
            counters.publish_errors[static_cast<size_t>(metrics::PublishError::kMemory)].Add();
          }
        }
        break;
      case ws::ClientEventType::kPing:
        Push(Owned(ws::PongFrame(event.payload)));
        worker_.MarkDirty(this);
        break;
      case ws::ClientEventType::kPong:
        break;
      case ws::ClientEventType::kClose:
      case ws::ClientEventType::kProtocolError:
      case ws::ClientEventType::kMessageTooBig:
        if (event.type != ws::ClientEventType::kClose) end_reason_ = metrics::Disconnect::kError;
        Unsubscribe();
        Push(Static(ws::kEmptyCloseFrame));
        close_after_write_ = true;
        deadline_ = worker_.now() + kCloseGrace;
        ws_parser_.reset();
        Flush();
        return;
      case ws::ClientEventType::kInvalidUtf8:
        end_reason_ = metrics::Disconnect::kError;
        Abort();
        return;
    }
  }
}

// --- Connection: writing -------------------------------------------------------------

void Connection::Push(OutBuf buf) {
  if (buf.size == 0 || state_ == State::kClosed) return;
  pending_bytes_ += buf.size;
  pending_.push_back(std::move(buf));
  if (!write_in_flight_ && !dirty_) {
    dirty_ = true;
    worker_.MarkDirty(this);
  }
}

void Connection::Flush() {
  dirty_ = false;
  if (state_ == State::kClosed || write_in_flight_) return;
  if (pending_.empty()) {
    AfterWrite();
    return;
  }
  writing_.swap(pending_);
  pending_bytes_ = 0;
  pending_messages_ = 0;
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_.size());
  for (const OutBuf& b : writing_) buffers.emplace_back(b.data, b.size);
  write_in_flight_ = true;
  asio::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->worker_.counters().bytes_sent.Add(static_cast<int64_t>(n));
    self->OnWrite(ec);
  });
}

void Connection::OnWrite(beast::error_code ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (state_ == State::kClosed) return;
  if (ec) {
    Abort();
    return;
  }
  if (!pending_.empty()) {
    // More queued meanwhile: write it with the worker's next flush, together
    // with whatever else arrives before then (larger gather writes).
    if (!dirty_) {
      dirty_ = true;
      worker_.MarkDirty(this);
    }
    return;
  }
  AfterWrite();
}

void Connection::AfterWrite() {
  if (close_after_write_) {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Abort();
    return;
  }
  if (read_next_after_write_) {
    read_next_after_write_ = false;
    keep_alive_started_ = true;
    ReadRequest();
  }
}

void Connection::Abort() {
  if (state_ == State::kClosed) return;
  Unsubscribe();
  long_poll_.reset();
  ws_parser_.reset();
  state_ = State::kClosed;
  beast::error_code ignored;
  socket_.close(ignored);
  if (added_) {
    worker_.Remove(this);
    added_ = false;
  }
  worker_.Bury(shared_from_this());
}

}  // namespace

// --- HttpServer ------------------------------------------------------------------------

class HttpServer::Impl : public core::Fanout {
 public:
  Impl(const core::ServerConfig& config, core::Store& store) {
    shared_.config = config;
    shared_.store = &store;
    char host[256] = {0};
    if (gethostname(host, sizeof(host) - 1) == 0) shared_.hostname = host;
    size_t padding_max = 0;
    for (const core::LocationOptions& loc : config.locations) {
      for (const core::PaddingRule& rule : loc.padding_by_user_agent) {
        padding_max = std::max({padding_max, rule.header_min, rule.message_min});
      }
    }
    SlotRegistry slots;
    for (const core::LocationOptions& loc : config.locations) {
      shared_.codecs.push_back(
          std::make_unique<LocationCodec>(loc, slots, *store.ping_message(), padding_max));
    }
    for (int i = 0; i < static_cast<int>(config.locations.size()); ++i) {
      shared_.by_length.push_back(i);
    }
    std::stable_sort(shared_.by_length.begin(), shared_.by_length.end(), [&](int a, int b) {
      return config.locations[a].path.size() > config.locations[b].path.size();
    });
    int workers = config.listen.workers;
    if (workers <= 0) workers = std::max(1u, std::thread::hardware_concurrency());
    for (int i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>(i, shared_));
    shared_.workers = [this] { return Workers(); };
    store.AddFanout(this);
    render_slots_ = slots.size();
  }

  int render_slots() const { return render_slots_; }

  void OnPublish(const core::MessagePtr& message) override {
    for (auto& w : workers_) {
      if (w->interested()) w->Enqueue(message, false);
    }
  }
  void OnChannelDeleted(const core::MessagePtr& deleted) override {
    for (auto& w : workers_) {
      if (w->interested()) w->Enqueue(deleted, true);
    }
  }

  absl::Status Start() {
    const std::string& listen = shared_.config.listen.http_listen;
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return absl::InvalidArgumentError("http_listen: no port");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    if (!absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
      return absl::InvalidArgumentError(absl::StrCat("http_listen: bad port in ", listen));
    }
    beast::error_code ec;
    asio::ip::address address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) {
      tcp::resolver resolver(workers_[0]->io());
      auto results = resolver.resolve(host, "", ec);
      if (ec || results.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("http_listen: cannot resolve ", host));
      }
      address = results.begin()->endpoint().address();
    }
    acceptor_ = std::make_unique<tcp::acceptor>(workers_[0]->io());
    tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
    }
    port_ = acceptor_->local_endpoint().port();
    Accept();
    for (auto& w : workers_) w->StartThread();
    return absl::OkStatus();
  }

  void Accept() {
    Worker& target = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    acceptor_->async_accept(target.io(), [this, &target](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
      if (ec) {
        static logging::RateLimited accept_errors(absl::Seconds(10));
        accept_errors.Log(logging::Level::kError, "accept failed",
                          {{"error", ec.message()}, {"listen", shared_.config.listen.http_listen}});
        // Out of descriptors or similar: retry after a pause instead of spinning.
        auto timer = std::make_shared<asio::steady_timer>(workers_[0]->io());
        timer->expires_after(std::chrono::milliseconds(50));
        timer->async_wait([this, timer](beast::error_code) {
          if (acceptor_->is_open()) Accept();
        });
        return;
      }
      // Explicit hand-off: the socket belongs to `target` from here on.
      asio::post(target.io(), [&target, s = std::move(s)]() mutable {
        std::make_shared<Connection>(target, std::move(s))->Start();
      });
      Accept();
    });
  }

  void Drain(absl::Duration grace) {
    draining_.store(true);
    if (acceptor_) {
      asio::post(workers_[0]->io(), [this] {
        beast::error_code ignored;
        acceptor_->close(ignored);
      });
    }
    const absl::Time start = absl::Now();
    // Spread the closes over most of the grace period; leave the rest for the
    // last writes to finish.
    const absl::Time pace_until = start + grace * 0.8;
    for (auto& w : workers_) w->StartDrain(pace_until);
    while (connections() > 0 && absl::Now() < start + grace) {
      absl::SleepFor(absl::Milliseconds(20));  // main thread, not an I/O thread
    }
    Stop();
  }

  std::atomic<bool> draining_{false};

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    if (acceptor_) {
      asio::post(workers_[0]->io(), [this] {
        beast::error_code ignored;
        acceptor_->close(ignored);
      });
    }
    for (auto& w : workers_) w->Stop();
    for (auto& w : workers_) {
      asio::post(w->io(), [&w] { w->io().stop(); });
    }
    for (auto& w : workers_) w->Join();
  }

  std::vector<core::WorkerInfo> Workers() const {
    std::vector<core::WorkerInfo> out;
    for (const auto& w : workers_) out.push_back(w->Info());
    return out;
  }
  int64_t connections() const {
    int64_t n = 0;
    for (const auto& w : workers_) n += w->connection_count();
    return n;
  }

  int port_ = 0;
  EdgeState shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  size_t next_worker_ = 0;
  bool stopped_ = false;
  int render_slots_ = 0;
};

int HttpServer::RenderSlots(const core::ServerConfig& config) {
  SlotRegistry slots;
  const core::Message ping(core::Message::Fields{}, 0);
  for (const core::LocationOptions& loc : config.locations) LocationCodec(loc, slots, ping, 0);
  return slots.size();
}

HttpServer::HttpServer(const core::ServerConfig& config, core::Store& store)
    : impl_(std::make_unique<Impl>(config, store)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port_; }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Drain(absl::Duration grace) { impl_->Drain(grace); }
bool HttpServer::draining() const { return impl_->draining_.load(); }
int HttpServer::worker_count() const { return static_cast<int>(impl_->workers_.size()); }
std::vector<core::WorkerInfo> HttpServer::Workers() const { return impl_->Workers(); }
int64_t HttpServer::connections() const { return impl_->connections(); }
std::vector<const metrics::EdgeCounters*> HttpServer::Counters() const {
  std::vector<const metrics::EdgeCounters*> out;
  for (const auto& w : impl_->workers_) out.push_back(&w->counters());
  return out;
}

}  // namespace pushgw::gateway
