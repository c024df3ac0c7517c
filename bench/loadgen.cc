// The load generator's engine (the only Asio translation unit of bench/).
#include "bench/loadgen.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/proc_stats.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace pushgw::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr int64_t kNsPerSecond = 1000000000;
constexpr size_t kTimelineSeconds = 4096;
constexpr int64_t kSliceNs = 100000000;  // worst-latency timeline resolution (100 ms)
constexpr size_t kSlices = 10 * kTimelineSeconds;

// Single-writer counters that other threads read for progress: no lock prefix.
inline void Bump(std::atomic<uint64_t>& a, uint64_t n = 1) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// --- minimal JSON writer ------------------------------------------------------------

class Json {
 public:
  Json& Open(char brace) {
    Sep();
    out_ += brace;
    first_.push_back(true);
    return *this;
  }
  Json& Close(char brace) {
    out_ += brace;
    first_.pop_back();
    return *this;
  }
  Json& Key(absl::string_view key) {
    Sep();
    Quote(key);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  Json& Str(absl::string_view v) {
    Sep();
    Quote(v);
    return *this;
  }
  Json& Int(int64_t v) {
    Sep();
    absl::StrAppend(&out_, v);
    return *this;
  }
  Json& Num(double v) {
    Sep();
    if (!std::isfinite(v)) {
      out_ += "null";
    } else {
      absl::StrAppend(&out_, absl::StrFormat("%.6g", v));
    }
    return *this;
  }
  Json& Bool(bool v) {
    Sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void Quote(absl::string_view v) {
    out_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        absl::StrAppend(&out_, absl::StrFormat("\\u%04x", c));
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

// --- run-wide state -----------------------------------------------------------------

struct Shared {
  Shared(const Options& o, int channels) : options(o), counters(channels) {}
  const Options& options;
  tcp::endpoint server;
  std::string host_header;
  std::vector<std::string> channel_ids;
  std::vector<asio::ip::address_v4> sources;
  std::atomic<int64_t> publish_start_ns{0};
  std::atomic<int64_t> publish_deadline_ns{0};
  std::atomic<int64_t> storm_deadline_ns{0};
  std::atomic<bool> stopping{false};
  PublishCounters counters;
};

class Loop;

// A subscriber connection (or, in storm mode, a connection that subscribes,
// drops and starts over).
class Subscriber final : public ResponseSink {
 public:
  Subscriber(Loop& loop, int index, int channel);
  // The first attempt, holding one of the loop's connect-window slots.
  void Start() {
    holds_slot_ = true;
    Connect();
  }
  void Connect();

 private:
  enum class State : uint8_t { kIdle, kConnecting, kWaiting, kSubscribed, kClosed };

  void OnConnected(const error_code& ec, uint32_t gen);
  void SendRequest();
  void OnWritten(const error_code& ec, uint32_t gen);
  void ArmRead();
  void OnReadable(const error_code& ec, uint32_t gen);
  // The connection ended or failed; `what` describes it.
  void Lost(const std::string& what);
  void CloseSocket(bool reset);
  void Subscribed(int64_t now_ns);
  void StormCycleDone();

  bool OnHead(int status) override;
  void OnData(const char* data, size_t n) override;
  bool OnComplete() override;
  void OnFrame(uint8_t opcode) override;

  Loop& loop_;
  tcp::socket socket_;
  ResponseParser parser_;
  StampScanner scanner_;
  std::string request_;
  std::string last_modified_;
  std::string etag_;
  int64_t attempt_start_ns_ = 0;
  int32_t index_;
  int32_t channel_;
  uint32_t gen_ = 0;
  State state_ = State::kIdle;
  bool holds_slot_ = false;  // one of the loop's connect-window slots
  bool ever_subscribed_ = false;
  bool writing_ = false;
  bool poll_pending_ = false;
};

// A keep-alive HTTP publisher connection.
class HttpPublisher final : public ResponseSink {
 public:
  HttpPublisher(Loop& loop, int index, int total);
  void Connect();
  // Queues requests while allowed (flat out: up to the pipeline depth before
  // the deadline; at a rate: while the loop has tokens) and writes them.
  void Pump();
  int64_t in_flight() const { return static_cast<int64_t>(in_flight_.size()); }

 private:
  void OnConnected(const error_code& ec, uint32_t gen);
  void Flush();
  void ArmRead();
  void OnReadable(const error_code& ec, uint32_t gen);
  void Lost(const std::string& what);

  bool OnHead(int status) override { return true; }
  void OnData(const char* data, size_t n) override {}
  bool OnComplete() override;

  Loop& loop_;
  tcp::socket socket_;
  ResponseParser parser_;
  std::string body_;
  std::string out_;
  std::string writing_buf_;
  std::deque<int> in_flight_;  // channel of each request awaiting its response
  uint64_t next_ = 0;
  int index_;
  int total_;
  uint32_t gen_ = 0;
  bool connected_ = false;
  bool connecting_ = false;
  bool writing_ = false;
};

class Loop {
 public:
  Loop(Shared& shared, int id, int channels)
      : shared(shared), id(id), subscribers_per_channel(channels), rbuf(64 * 1024) {
    delivered_per_second.assign(kTimelineSeconds, 0);
    max_latency_per_slice.assign(kSlices, 0);
    cycles_per_second.assign(kTimelineSeconds, 0);
  }
  ~Loop() {
    // Connections close before the io_context goes.
    subs.clear();
    pubs.clear();
  }

  void StartThread() {
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
  }
  void StopAndJoin() {
    ioc.stop();
    if (thread.joinable()) thread.join();
  }

  // Connect phase: keep `window` attempts in flight.
  void ConnectMore() {
    while (in_flight.load(std::memory_order_relaxed) < window && next_connect < subs.size()) {
      in_flight.fetch_add(1, std::memory_order_relaxed);
      subs[next_connect++]->Start();
    }
  }
  void SlotDone() {
    in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (!storm) ConnectMore();
  }

  void StartPublishing(double rate_share) {
    rate = rate_share;
    issued = 0;
    tokens = 0;
    for (auto& p : pubs) p->Connect();
    if (rate > 0) Tick();
  }
  void Tick() {
    const int64_t now = SteadyNowNs();
    const int64_t start = shared.publish_start_ns.load();
    const int64_t deadline = shared.publish_deadline_ns.load();
    const int64_t until = std::min(now, deadline);
    const uint64_t due =
        until > start ? static_cast<uint64_t>(rate * static_cast<double>(until - start) / 1e9) : 0;
    if (due > issued) {
      tokens += due - issued;
      issued = due;
    }
    for (auto& p : pubs) p->Pump();
    if (now < deadline) {
      timer.expires_after(std::chrono::microseconds(500));
      timer.async_wait([this](const error_code& ec) {
        if (!ec) Tick();
      });
    } else {
      tokens = 0;
    }
  }

  void RecordError(const std::string& error) {
    std::lock_guard<std::mutex> lock(error_mu);
    ++errors_seen;
    if (first_error.empty()) first_error = error;
  }
  std::string FirstError() {
    std::lock_guard<std::mutex> lock(error_mu);
    return first_error;
  }

  size_t SecondIndex(int64_t now_ns) const {
    const int64_t start = shared.publish_start_ns.load(std::memory_order_relaxed);
    if (start == 0 || now_ns < start) return 0;
    return std::min<size_t>((now_ns - start) / kNsPerSecond, kTimelineSeconds - 1);
  }

  asio::io_context ioc{1};
  Shared& shared;
  const int id;
  std::thread thread;
  asio::steady_timer timer{ioc};

  // Counters (written by this loop's thread).
  std::atomic<uint64_t> subscribed{0};
  std::atomic<uint64_t> connect_failed{0};
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> lost{0};        // subscriptions that ended during the run
  std::atomic<uint64_t> polls{0};       // long-poll answers
  std::atomic<uint64_t> reconnects{0};  // long-poll reconnections
  std::atomic<uint64_t> cycles{0};      // storm: subscribe-and-drop cycles
  std::atomic<uint64_t> cycle_errors{0};
  std::atomic<int64_t> last_delivery_ns{0};
  std::vector<std::atomic<uint32_t>> subscribers_per_channel;
  Histogram latency;
  Histogram connect_latency;
  std::vector<uint64_t> delivered_per_second;
  std::vector<int64_t> max_latency_per_slice;  // worst latency per 100 ms
  std::vector<uint64_t> cycles_per_second;
  std::mutex error_mu;
  std::string first_error;
  uint64_t errors_seen = 0;

  std::vector<char> rbuf;
  int64_t now_ns = 0;  // taken once per readable event

  std::vector<std::unique_ptr<Subscriber>> subs;
  std::vector<std::unique_ptr<HttpPublisher>> pubs;
  size_t next_connect = 0;
  int window = 1;
  std::atomic<int> in_flight{0};  // read by the main thread
  bool storm = false;

  double rate = 0;
  uint64_t issued = 0;
  uint64_t tokens = 0;
};

void SetNoDelay(tcp::socket& s) {
  error_code ec;
  s.set_option(tcp::no_delay(true), ec);
}

// Opens `s` and binds it to `source` with the port chosen at connect time
// (IP_BIND_ADDRESS_NO_PORT), so ports are unique per 4-tuple, not per source.
bool OpenBound(tcp::socket& s, const asio::ip::address_v4& source, std::string* error) {
  error_code ec;
  s.open(tcp::v4(), ec);
  if (ec) {
    *error = absl::StrCat("socket: ", ec.message());
    return false;
  }
  int one = 1;
  setsockopt(s.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  s.bind(tcp::endpoint(source, 0), ec);
  if (ec) {
    *error = absl::StrCat("bind ", source.to_string(), ": ", ec.message());
    s.close(ec);
    return false;
  }
  return true;
}

// --- Subscriber ---------------------------------------------------------------------

Subscriber::Subscriber(Loop& loop, int index, int channel)
    : loop_(loop), socket_(loop.ioc), index_(index), channel_(channel) {}

void Subscriber::Connect() {
  const Shared& shared = loop_.shared;
  ++gen_;
  parser_ = ResponseParser();
  scanner_ = StampScanner();
  writing_ = false;
  poll_pending_ = false;
  attempt_start_ns_ = SteadyNowNs();
  std::string error;
  if (!OpenBound(socket_, shared.sources[index_ % shared.sources.size()], &error)) {
    state_ = State::kClosed;
    Lost(error);
    return;
  }
  state_ = State::kConnecting;
  const uint32_t gen = gen_;
  socket_.async_connect(shared.server, [this, gen](const error_code& ec) { OnConnected(ec, gen); });
}

void Subscriber::OnConnected(const error_code& ec, uint32_t gen) {
  if (gen != gen_) return;
  if (ec) {
    Lost(absl::StrCat("connect: ", ec.message()));
    return;
  }
  error_code ignored;
  socket_.non_blocking(true, ignored);
  state_ = State::kWaiting;
  SendRequest();
  ArmRead();
}

void Subscriber::SendRequest() {
  if (writing_) {
    poll_pending_ = true;
    return;
  }
  const Shared& shared = loop_.shared;
  request_ = SubscribeRequest(shared.options.mode, shared.options.paths, shared.host_header,
                              shared.channel_ids[channel_], last_modified_, etag_);
  writing_ = true;
  const uint32_t gen = gen_;
  asio::async_write(socket_, asio::buffer(request_),
                    [this, gen](const error_code& ec, size_t) { OnWritten(ec, gen); });
}

void Subscriber::OnWritten(const error_code& ec, uint32_t gen) {
  if (gen != gen_) return;
  writing_ = false;
  if (ec) {
    Lost(absl::StrCat("write: ", ec.message()));
    return;
  }
  // A long-poll waits without an answer: it is subscribed once its request is
  // out (the settle time lets the server register it).
  if (loop_.shared.options.mode == SubscriberMode::kLongPolling && state_ == State::kWaiting &&
      !loop_.storm) {
    Subscribed(SteadyNowNs());
  }
  if (poll_pending_) {
    poll_pending_ = false;
    SendRequest();
  }
}

void Subscriber::ArmRead() {
  const uint32_t gen = gen_;
  socket_.async_wait(tcp::socket::wait_read,
                     [this, gen](const error_code& ec) { OnReadable(ec, gen); });
}

void Subscriber::OnReadable(const error_code& ec, uint32_t gen) {
  if (gen != gen_) return;
  if (ec) {
    Lost(absl::StrCat("wait: ", ec.message()));
    return;
  }
  loop_.now_ns = SteadyNowNs();
  for (int i = 0; i < 4; ++i) {
    error_code rec;
    const size_t n = socket_.read_some(asio::buffer(loop_.rbuf), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) break;
    if (rec) {
      if (rec == asio::error::eof) {
        parser_.FeedEof(*this);
        if (gen != gen_) return;
        Lost("closed by the server");
      } else {
        Lost(absl::StrCat("read: ", rec.message()));
      }
      return;
    }
    const bool ok = parser_.Feed(loop_.rbuf.data(), n, *this);
    if (gen != gen_ || state_ == State::kClosed) return;
    if (!ok) {
      Lost(absl::StrCat("protocol: ", parser_.error()));
      return;
    }
    if (n < loop_.rbuf.size()) break;
  }
  ArmRead();
}

void Subscriber::Subscribed(int64_t now_ns) {
  state_ = State::kSubscribed;
  if (!ever_subscribed_) {
    ever_subscribed_ = true;
    Bump(loop_.subscribed);
    loop_.subscribers_per_channel[channel_].fetch_add(1, std::memory_order_relaxed);
    loop_.connect_latency.Record(now_ns - attempt_start_ns_);
  }
  if (holds_slot_) {
    holds_slot_ = false;
    loop_.SlotDone();
  }
}

bool Subscriber::OnHead(int status) {
  const SubscriberMode mode = loop_.shared.options.mode;
  const bool ok = status == 200 || (status == 101 && mode == SubscriberMode::kWebSocket) ||
                  (status == 304 && mode == SubscriberMode::kLongPolling);
  if (!ok) {
    // Unknown: the body may say why; the status is enough here.
    Lost(absl::StrCat("HTTP status ", status));
    return false;
  }
  if (loop_.storm) {
    StormCycleDone();
    return false;
  }
  if (state_ == State::kWaiting && mode != SubscriberMode::kLongPolling) {
    Subscribed(loop_.now_ns);
  }
  return true;
}

void Subscriber::OnData(const char* data, size_t n) {
  Loop& loop = loop_;
  uint64_t found = 0;
  const int64_t now = loop.now_ns;
  int64_t worst = 0;
  scanner_.Feed(data, n, [&](int64_t sent_ns) {
    loop.latency.Record(now - sent_ns);
    worst = std::max(worst, now - sent_ns);
    ++found;
  });
  if (found) {
    Bump(loop.delivered, found);
    loop.delivered_per_second[loop.SecondIndex(now)] += found;
    const int64_t start = loop.shared.publish_start_ns.load(std::memory_order_relaxed);
    if (start > 0 && now >= start) {
      int64_t& slot =
          loop.max_latency_per_slice[std::min<size_t>((now - start) / kSliceNs, kSlices - 1)];
      slot = std::max(slot, worst);
    }
    loop.last_delivery_ns.store(now, std::memory_order_relaxed);
  }
}

bool Subscriber::OnComplete() {
  if (loop_.shared.options.mode != SubscriberMode::kLongPolling) {
    Lost("the stream ended");
    return false;
  }
  Bump(loop_.polls);
  // Resume from this answer's validators (a timeout's too when there is no
  // earlier position).
  if (parser_.status() == 200 || last_modified_.empty()) {
    if (!parser_.last_modified().empty()) last_modified_ = parser_.last_modified();
    if (!parser_.etag().empty()) etag_ = parser_.etag();
  }
  if (loop_.shared.stopping.load(std::memory_order_relaxed)) return false;
  if (!parser_.keep_alive()) {
    Bump(loop_.reconnects);
    CloseSocket(false);
    Connect();
    return false;
  }
  SendRequest();
  return true;
}

void Subscriber::OnFrame(uint8_t opcode) {
  if (opcode == 0x8) Lost("WebSocket close frame");
}

void Subscriber::StormCycleDone() {
  const int64_t now = SteadyNowNs();
  loop_.connect_latency.Record(now - attempt_start_ns_);
  Bump(loop_.cycles);
  const int64_t start = loop_.shared.publish_start_ns.load(std::memory_order_relaxed);
  if (now >= start) {
    loop_.cycles_per_second[std::min<size_t>((now - start) / kNsPerSecond, kTimelineSeconds - 1)]++;
  }
  CloseSocket(true);
  state_ = State::kClosed;
  ++gen_;
  if (now < loop_.shared.storm_deadline_ns.load(std::memory_order_relaxed)) {
    asio::post(loop_.ioc, [this] { Connect(); });
  } else {
    holds_slot_ = false;
    loop_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Subscriber::CloseSocket(bool reset) {
  error_code ec;
  if (socket_.is_open()) {
    if (reset) socket_.set_option(asio::socket_base::linger(true, 0), ec);
    socket_.close(ec);
  }
  ++gen_;
}

void Subscriber::Lost(const std::string& what) {
  const bool stopping = loop_.shared.stopping.load(std::memory_order_relaxed);
  const State was = state_;
  CloseSocket(loop_.storm);
  state_ = State::kClosed;
  if (stopping) return;
  if (loop_.storm) {
    Bump(loop_.cycle_errors);
    loop_.RecordError(what);
    if (SteadyNowNs() < loop_.shared.storm_deadline_ns.load(std::memory_order_relaxed)) {
      asio::post(loop_.ioc, [this] { Connect(); });
    } else {
      holds_slot_ = false;
      loop_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
    return;
  }
  loop_.RecordError(absl::StrCat(SubscriberModeName(loop_.shared.options.mode), " subscriber ",
                                 index_, ": ", what));
  if (loop_.shared.options.mode == SubscriberMode::kLongPolling && ever_subscribed_) {
    // A long-poller whose connection went away polls again on a new one.
    Bump(loop_.reconnects);
    asio::post(loop_.ioc, [this] { Connect(); });
    return;
  }
  if (was == State::kSubscribed || ever_subscribed_) {
    Bump(loop_.lost);
    loop_.subscribers_per_channel[channel_].fetch_sub(1, std::memory_order_relaxed);
  } else {
    Bump(loop_.connect_failed);
  }
  if (holds_slot_) {
    holds_slot_ = false;
    loop_.SlotDone();
  }
}

// --- HttpPublisher ------------------------------------------------------------------

HttpPublisher::HttpPublisher(Loop& loop, int index, int total)
    : loop_(loop), socket_(loop.ioc), index_(index), total_(total) {
  MakeBody(0, static_cast<size_t>(loop.shared.options.message_size), &body_);
}

void HttpPublisher::Connect() {
  const Shared& shared = loop_.shared;
  ++gen_;
  parser_ = ResponseParser();
  connected_ = false;
  connecting_ = true;
  writing_ = false;
  out_.clear();
  std::string error;
  if (!OpenBound(socket_, shared.sources[index_ % shared.sources.size()], &error)) {
    connecting_ = false;
    Lost(error);
    return;
  }
  const uint32_t gen = gen_;
  socket_.async_connect(shared.server, [this, gen](const error_code& ec) { OnConnected(ec, gen); });
}

void HttpPublisher::OnConnected(const error_code& ec, uint32_t gen) {
  if (gen != gen_) return;
  connecting_ = false;
  if (ec) {
    Lost(absl::StrCat("publisher connect: ", ec.message()));
    return;
  }
  error_code ignored;
  socket_.non_blocking(true, ignored);
  SetNoDelay(socket_);
  connected_ = true;
  ArmRead();
  Pump();
}

void HttpPublisher::Pump() {
  if (!connected_) return;
  Shared& shared = loop_.shared;
  const Options& o = shared.options;
  const int64_t now = SteadyNowNs();
  if (now >= shared.publish_deadline_ns.load(std::memory_order_relaxed)) return;
  const int channels = static_cast<int>(shared.channel_ids.size());
  while (in_flight() < o.pipeline) {
    if (o.rate > 0 && loop_.tokens == 0) break;
    if (!shared.counters.Claim(o.max_messages)) break;
    if (o.rate > 0) --loop_.tokens;
    const int channel = static_cast<int>((index_ + next_ * total_) % channels);
    ++next_;
    RestampBody(SteadyNowNs(), body_.data());
    AppendPublishRequest(o.paths, shared.host_header, shared.channel_ids[channel], body_, &out_);
    in_flight_.push_back(channel);
    shared.counters.in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  Flush();
}

void HttpPublisher::Flush() {
  if (writing_ || out_.empty() || !connected_) return;
  writing_buf_.swap(out_);
  out_.clear();
  writing_ = true;
  const uint32_t gen = gen_;
  asio::async_write(socket_, asio::buffer(writing_buf_), [this, gen](const error_code& ec, size_t) {
    if (gen != gen_) return;
    writing_ = false;
    if (ec) {
      Lost(absl::StrCat("publisher write: ", ec.message()));
      return;
    }
    Flush();
  });
}

void HttpPublisher::ArmRead() {
  const uint32_t gen = gen_;
  socket_.async_wait(tcp::socket::wait_read,
                     [this, gen](const error_code& ec) { OnReadable(ec, gen); });
}

void HttpPublisher::OnReadable(const error_code& ec, uint32_t gen) {
  if (gen != gen_) return;
  if (ec) {
    Lost(absl::StrCat("publisher wait: ", ec.message()));
    return;
  }
  for (int i = 0; i < 4; ++i) {
    error_code rec;
    const size_t n = socket_.read_some(asio::buffer(loop_.rbuf), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) break;
    if (rec) {
      Lost(rec == asio::error::eof ? std::string("publisher: closed by the server")
                                   : absl::StrCat("publisher read: ", rec.message()));
      return;
    }
    const bool ok = parser_.Feed(loop_.rbuf.data(), n, *this);
    if (gen != gen_) return;
    if (!ok) {
      Lost(absl::StrCat("publisher protocol: ", parser_.error()));
      return;
    }
    if (n < loop_.rbuf.size()) break;
  }
  ArmRead();
}

bool HttpPublisher::OnComplete() {
  Shared& shared = loop_.shared;
  if (in_flight_.empty()) {
    Lost("publisher: unexpected response");
    return false;
  }
  const int channel = in_flight_.front();
  in_flight_.pop_front();
  shared.counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
  const int status = parser_.status();
  if (status >= 200 && status < 300) {
    shared.counters.RecordOk(channel, SteadyNowNs(),
                             shared.publish_start_ns.load(std::memory_order_relaxed));
  } else {
    shared.counters.RecordError(absl::StrCat("publish: HTTP status ", status));
  }
  if (!parser_.keep_alive()) {
    // Requests after this one are lost with the connection.
    Lost("publisher: the server closed the keep-alive connection");
    if (!shared.stopping.load()) Connect();
    return false;
  }
  Pump();
  return true;
}

void HttpPublisher::Lost(const std::string& what) {
  Shared& shared = loop_.shared;
  error_code ec;
  socket_.close(ec);
  ++gen_;
  connected_ = false;
  writing_ = false;
  out_.clear();
  if (!in_flight_.empty()) {
    shared.counters.in_flight.fetch_sub(static_cast<int64_t>(in_flight_.size()));
    for (size_t i = 0; i < in_flight_.size(); ++i) shared.counters.RecordError(what);
    in_flight_.clear();
  }
  if (what.find("keep-alive") == std::string::npos && !shared.stopping.load()) {
    shared.counters.RecordError(what);
  }
}

// --- helpers for the report ---------------------------------------------------------

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

uint64_t FileLimit() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
}

struct CpuPoint {
  ProcessSample server;
  ProcessSample client;
  MachineSample machine;
  int64_t at_ns = 0;
};

CpuPoint SampleCpu(const Options& o) {
  CpuPoint p;
  p.at_ns = SteadyNowNs();
  p.server = SampleProcesses(o.server_pids, false);
  p.client = SampleSelf(false);
  p.machine = SampleMachine();
  return p;
}

void WriteCpu(Json& j, const CpuPoint& a, const CpuPoint& b, uint64_t delivered,
              uint64_t published) {
  const double wall = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
  // Shares of a window shorter than a few clock ticks mean nothing.
  const double per = wall >= 0.1 ? 1.0 / wall : 0.0;
  const double server = b.server.cpu_seconds - a.server.cpu_seconds;
  const double client = b.client.cpu_seconds - a.client.cpu_seconds;
  const double busy = b.machine.busy_seconds - a.machine.busy_seconds;
  const double softirq = b.machine.softirq_seconds - a.machine.softirq_seconds;
  const double total = b.machine.total_seconds - a.machine.total_seconds;
  j.Open('{');
  j.Key("wall_seconds").Num(wall);
  j.Key("cpus").Int(CpuCount());
  j.Key("server_cpu_seconds").Num(server);
  j.Key("client_cpu_seconds").Num(client);
  // Interrupt time (on loopback: mostly packet processing), for information.
  // With tick-based accounting it is also charged to the process it
  // interrupted, so it is part of the server's and the client's figures too.
  j.Key("softirq_cpu_seconds").Num(softirq);
  j.Key("other_cpu_seconds").Num(std::max(0.0, busy - server - client));
  j.Key("idle_cpu_seconds").Num(std::max(0.0, total - busy));
  j.Key("server_cores").Num(server * per);
  j.Key("client_cores").Num(client * per);
  j.Key("other_cores").Num(std::max(0.0, busy - server - client) * per);
  j.Key("server_us_per_delivered").Num(delivered ? server * 1e6 / delivered : NAN);
  j.Key("server_us_per_published").Num(published ? server * 1e6 / published : NAN);
  j.Close('}');
}

void WriteLatency(Json& j, const Histogram& h) {
  auto ms = [](int64_t ns) { return static_cast<double>(ns) / 1e6; };
  j.Open('{');
  j.Key("count").Int(static_cast<int64_t>(h.count()));
  j.Key("mean").Num(ms(static_cast<int64_t>(h.mean())));
  j.Key("min").Num(ms(h.min()));
  j.Key("p50").Num(ms(h.Quantile(0.5)));
  j.Key("p90").Num(ms(h.Quantile(0.9)));
  j.Key("p99").Num(ms(h.Quantile(0.99)));
  j.Key("p999").Num(ms(h.Quantile(0.999)));
  j.Key("p9999").Num(ms(h.Quantile(0.9999)));
  j.Key("max").Num(ms(h.max()));
  j.Key("percentiles").Open('[');
  for (double q :
       {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999, 1.0}) {
    j.Open('[').Num(q * 100).Num(ms(q >= 1.0 ? h.max() : h.Quantile(q))).Close(']');
  }
  j.Close(']');
  j.Close('}');
}

// Sleeps in short steps until `done()` or `deadline_ns`; returns done().
bool WaitUntil(const std::function<bool()>& done, int64_t deadline_ns) {
  while (!done()) {
    if (SteadyNowNs() >= deadline_ns) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Exits the process if a run overstays its bound.
class Watchdog {
 public:
  explicit Watchdog(double seconds) {
    thread_ = std::thread([this, seconds] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return done_; })) {
        fprintf(stderr, "pushgw_bench: run exceeded --max_seconds=%g, exiting\n", seconds);
        fflush(stderr);
        _exit(3);
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PublishCounters::RecordOk(int channel, int64_t now_ns, int64_t start_ns) {
  ok.fetch_add(1, std::memory_order_relaxed);
  ok_per_channel[channel].fetch_add(1, std::memory_order_relaxed);
  last_ok_ns.store(now_ns, std::memory_order_relaxed);
  if (start_ns > 0 && now_ns >= start_ns) {
    const size_t second =
        std::min<size_t>((now_ns - start_ns) / kNsPerSecond, ok_per_second.size() - 1);
    ok_per_second[second].fetch_add(1, std::memory_order_relaxed);
  }
}

void PublishCounters::RecordError(const std::string& error) {
  failed.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  if (first_error_.empty()) first_error_ = error;
}

std::string PublishCounters::first_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

std::string RunBenchmark(const Options& o, const PublisherFactory& factory, Summary* summary) {
  *summary = Summary();
  auto fail = [summary](const std::string& error) {
    summary->error = error;
    Json j;
    j.Open('{').Key("error").Str(error).Close('}');
    return j.str();
  };
  Watchdog watchdog(o.max_seconds);
  RaiseFileLimit();
  signal(SIGPIPE, SIG_IGN);

  const int channels = std::max(1, o.channels);
  Shared shared(o, channels);
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(o.host, ec);
  if (ec || !address.is_v4() || (address.to_v4().to_uint() >> 24) != 127) {
    return fail(absl::StrCat("--host must be a 127.0.0.0/8 address, got ", o.host));
  }
  shared.server = tcp::endpoint(address, static_cast<uint16_t>(o.port));
  shared.host_header = absl::StrCat(o.host, ":", o.port);
  std::string prefix = o.channel_prefix;
  if (prefix.empty()) {
    prefix = absl::StrCat("b", getpid(), "x", SteadyNowNs() % 1000000, "_");
  }
  shared.channel_ids.reserve(channels);
  for (int c = 0; c < channels; ++c) shared.channel_ids.push_back(absl::StrCat(prefix, c));
  const int sources = std::clamp(o.source_addresses, 1, 250);
  for (int s = 0; s < sources; ++s) {
    shared.sources.push_back(asio::ip::address_v4((127u << 24) | static_cast<uint32_t>(2 + s)));
  }

  const bool http_publish = o.publish_transport == "http";
  const bool no_publish = o.publish_transport == "none" || o.storm;
  const int threads = std::clamp(o.threads, 1, 16);
  const int subscribers = o.storm ? std::max(1, o.connect_window) : std::max(0, o.subscribers);
  const int http_publishers = (http_publish && !no_publish) ? std::max(1, o.publishers) : 0;
  const uint64_t needed = static_cast<uint64_t>(subscribers) + http_publishers + 64;
  if (needed > FileLimit()) {
    return fail(absl::StrCat(subscribers, " subscribers + ", http_publishers,
                             " publishers need more than the open-file limit ", FileLimit()));
  }

  std::unique_ptr<PublisherTransport> transport;
  if (!http_publish && !no_publish) {
    std::string error = absl::StrCat("unknown publish transport ", o.publish_transport);
    if (factory) {
      PublisherContext context{&o, shared.channel_ids, &shared.counters};
      transport = factory(o.publish_transport, context, &error);
    }
    if (!transport) return fail(error);
  }

  std::vector<std::unique_ptr<Loop>> loops;
  for (int t = 0; t < threads; ++t) {
    loops.push_back(std::make_unique<Loop>(shared, t, channels));
    loops.back()->storm = o.storm;
    loops.back()->window = std::max(1, o.connect_window / threads);
  }
  for (int i = 0; i < subscribers; ++i) {
    Loop& loop = *loops[i % threads];
    loop.subs.push_back(std::make_unique<Subscriber>(loop, i, i % channels));
  }
  for (int k = 0; k < http_publishers; ++k) {
    Loop& loop = *loops[k % threads];
    loop.pubs.push_back(std::make_unique<HttpPublisher>(loop, k, http_publishers));
  }
  for (auto& loop : loops) loop->StartThread();

  auto sum = [&](std::atomic<uint64_t> Loop::*field) {
    uint64_t total = 0;
    for (auto& loop : loops) total += ((*loop).*field).load(std::memory_order_relaxed);
    return total;
  };

  // 1. The server before.
  const ProcessSample mem_before = SampleProcesses(o.server_pids, true);

  // 2. Connect.
  const CpuPoint connect_cpu0 = SampleCpu(o);
  int64_t connect_end_ns = connect_cpu0.at_ns;
  CpuPoint connect_cpu1 = connect_cpu0;
  ProcessSample mem_after = mem_before;
  if (!o.storm && subscribers > 0) {
    for (auto& loop : loops) asio::post(loop->ioc, [l = loop.get()] { l->ConnectMore(); });
    WaitUntil(
        [&] {
          return sum(&Loop::subscribed) + sum(&Loop::connect_failed) >=
                 static_cast<uint64_t>(subscribers);
        },
        connect_cpu0.at_ns + static_cast<int64_t>(o.connect_timeout_s * 1e9));
    connect_cpu1 = SampleCpu(o);
    connect_end_ns = connect_cpu1.at_ns;
    std::this_thread::sleep_for(std::chrono::duration<double>(o.settle_s));
    mem_after = SampleProcesses(o.server_pids, true);
  }
  const uint64_t subscribed = sum(&Loop::subscribed);
  const uint64_t connect_failed = sum(&Loop::connect_failed);

  // 3. Publish (or storm).
  std::vector<uint64_t> subs_per_channel(channels, 0);
  for (auto& loop : loops) {
    for (int c = 0; c < channels; ++c) {
      subs_per_channel[c] += loop->subscribers_per_channel[c].load();
    }
  }
  const CpuPoint run_cpu0 = SampleCpu(o);
  const int64_t start_ns = run_cpu0.at_ns;
  const int64_t deadline_ns = start_ns + static_cast<int64_t>(o.duration_s * 1e9);
  shared.publish_start_ns = start_ns;
  shared.publish_deadline_ns = deadline_ns;
  uint64_t expected = 0;
  bool drained = true;
  if (o.storm) {
    shared.storm_deadline_ns = deadline_ns;
    for (auto& loop : loops) asio::post(loop->ioc, [l = loop.get()] { l->ConnectMore(); });
    WaitUntil([] { return false; }, deadline_ns);
    // Attempts in flight finish (or are abandoned after 2 s).
    WaitUntil(
        [&] {
          for (auto& loop : loops) {
            if (loop->in_flight.load() > 0) return false;
          }
          return true;
        },
        deadline_ns + 2 * kNsPerSecond);
  } else if (!no_publish) {
    if (transport) {
      transport->Start(start_ns, deadline_ns);
    } else {
      for (auto& loop : loops) {
        if (loop->pubs.empty()) continue;
        const double share =
            o.rate * static_cast<double>(loop->pubs.size()) / static_cast<double>(http_publishers);
        asio::post(loop->ioc, [l = loop.get(), share] { l->StartPublishing(share); });
      }
    }
    const int64_t progress_step = kNsPerSecond;
    int64_t next_progress = start_ns + progress_step;
    WaitUntil(
        [&] {
          if (o.verbose && SteadyNowNs() >= next_progress) {
            next_progress += progress_step;
            fprintf(stderr, "  published %llu, delivered %llu\n",
                    static_cast<unsigned long long>(shared.counters.ok.load()),
                    static_cast<unsigned long long>(sum(&Loop::delivered)));
          }
          if (o.max_messages > 0) {
            return shared.counters.ok.load() + shared.counters.failed.load() >=
                   static_cast<uint64_t>(o.max_messages);
          }
          return false;
        },
        deadline_ns);
    shared.publish_deadline_ns = std::min(shared.publish_deadline_ns.load(), SteadyNowNs());
    if (transport) {
      transport->Wait();
    } else {
      WaitUntil([&] { return shared.counters.in_flight.load() <= 0; },
                deadline_ns + 5 * kNsPerSecond);
    }
    for (int c = 0; c < channels; ++c) {
      expected += shared.counters.ok_per_channel[c].load() * subs_per_channel[c];
    }
    drained = WaitUntil([&] { return sum(&Loop::delivered) >= expected; },
                        SteadyNowNs() + static_cast<int64_t>(o.drain_s * 1e9));
  }
  const CpuPoint run_cpu1 = SampleCpu(o);
  shared.stopping = true;

  for (auto& loop : loops) loop->StopAndJoin();

  // 4. Report.
  Histogram latency;
  Histogram connect_latency;
  std::vector<uint64_t> delivered_per_second(kTimelineSeconds, 0);
  std::vector<int64_t> max_latency_per_slice(kSlices, 0);
  std::vector<uint64_t> cycles_per_second(kTimelineSeconds, 0);
  int64_t last_delivery_ns = 0;
  std::string first_error;
  uint64_t errors_seen = 0;
  for (auto& loop : loops) {
    latency.Merge(loop->latency);
    connect_latency.Merge(loop->connect_latency);
    for (size_t s = 0; s < kTimelineSeconds; ++s) {
      delivered_per_second[s] += loop->delivered_per_second[s];
      cycles_per_second[s] += loop->cycles_per_second[s];
    }
    for (size_t s = 0; s < kSlices; ++s) {
      max_latency_per_slice[s] = std::max(max_latency_per_slice[s], loop->max_latency_per_slice[s]);
    }
    last_delivery_ns = std::max(last_delivery_ns, loop->last_delivery_ns.load());
    if (first_error.empty()) first_error = loop->FirstError();
    errors_seen += loop->errors_seen;
  }
  const uint64_t delivered = sum(&Loop::delivered);
  const uint64_t published = shared.counters.ok.load();
  const double publish_seconds =
      published ? std::max(o.duration_s, (shared.counters.last_ok_ns.load() - start_ns) / 1e9)
                : o.duration_s;
  const double delivery_seconds =
      delivered ? std::max(1e-9, (last_delivery_ns - start_ns) / 1e9) : o.duration_s;

  Json j;
  j.Open('{');
  j.Key("label").Str(o.label);
  j.Key("config").Open('{');
  j.Key("host").Str(o.host);
  j.Key("port").Int(o.port);
  j.Key("mode").Str(SubscriberModeName(o.mode));
  j.Key("subscribers").Int(o.storm ? 0 : subscribers);
  j.Key("channels").Int(channels);
  j.Key("publish").Str(no_publish ? "none" : o.publish_transport);
  j.Key("publishers").Int(o.publishers);
  j.Key("pipeline").Int(o.pipeline);
  j.Key("rate").Num(o.rate);
  j.Key("message_size").Int(std::max<int64_t>(o.message_size, kStampSize));
  j.Key("duration_s").Num(o.duration_s);
  j.Key("storm").Bool(o.storm);
  j.Key("connect_window").Int(o.connect_window);
  j.Key("source_addresses").Int(sources);
  j.Key("client_threads").Int(threads);
  j.Key("server_pids").Open('[');
  for (pid_t pid : o.server_pids) j.Int(pid);
  j.Close(']');
  j.Close('}');

  j.Key("connect").Open('{');
  j.Key("attempted").Int(o.storm ? 0 : subscribers);
  j.Key("subscribed").Int(static_cast<int64_t>(subscribed));
  j.Key("failed").Int(static_cast<int64_t>(connect_failed));
  const double connect_seconds = (connect_end_ns - connect_cpu0.at_ns) / 1e9;
  j.Key("seconds").Num(connect_seconds);
  j.Key("per_second").Num(connect_seconds > 0 ? subscribed / connect_seconds : 0);
  j.Key("latency_ms");
  WriteLatency(j, connect_latency);
  j.Key("cpu");
  WriteCpu(j, connect_cpu0, connect_cpu1, 0, 0);
  j.Close('}');

  j.Key("memory").Open('{');
  j.Key("server_processes").Int(mem_after.processes);
  j.Key("rss_before").Int(mem_before.rss_bytes);
  j.Key("rss_after").Int(mem_after.rss_bytes);
  j.Key("pss_before").Int(mem_before.pss_bytes);
  j.Key("pss_after").Int(mem_after.pss_bytes);
  const double n = subscribed ? static_cast<double>(subscribed) : NAN;
  j.Key("rss_per_subscriber").Num((mem_after.rss_bytes - mem_before.rss_bytes) / n);
  j.Key("pss_per_subscriber").Num((mem_after.pss_bytes - mem_before.pss_bytes) / n);
  j.Close('}');

  if (o.storm) {
    const uint64_t cycles = sum(&Loop::cycles);
    j.Key("storm").Open('{');
    j.Key("cycles").Int(static_cast<int64_t>(cycles));
    j.Key("errors").Int(static_cast<int64_t>(sum(&Loop::cycle_errors)));
    j.Key("per_second").Num(cycles / o.duration_s);
    j.Key("latency_ms");
    WriteLatency(j, connect_latency);
    j.Key("per_second_timeline").Open('[');
    for (size_t s = 0; s < static_cast<size_t>(std::ceil(o.duration_s)); ++s) {
      j.Int(static_cast<int64_t>(cycles_per_second[s]));
    }
    j.Close(']');
    j.Close('}');
  }

  j.Key("publish").Open('{');
  j.Key("sent").Int(static_cast<int64_t>(shared.counters.sent.load()));
  j.Key("ok").Int(static_cast<int64_t>(published));
  j.Key("failed").Int(static_cast<int64_t>(shared.counters.failed.load()));
  j.Key("seconds").Num(publish_seconds);
  j.Key("per_second").Num(published / publish_seconds);
  j.Key("first_error").Str(shared.counters.first_error());
  j.Close('}');

  j.Key("delivery").Open('{');
  j.Key("expected").Int(static_cast<int64_t>(expected));
  j.Key("delivered").Int(static_cast<int64_t>(delivered));
  j.Key("ratio").Num(expected ? static_cast<double>(delivered) / expected : NAN);
  j.Key("complete").Bool(drained && delivered == expected);
  j.Key("seconds").Num(delivery_seconds);
  j.Key("per_second").Num(delivered / delivery_seconds);
  j.Key("subscriptions_lost").Int(static_cast<int64_t>(sum(&Loop::lost)));
  j.Key("long_poll_answers").Int(static_cast<int64_t>(sum(&Loop::polls)));
  j.Key("long_poll_answers_per_second").Num(sum(&Loop::polls) / delivery_seconds);
  j.Key("long_poll_reconnects").Int(static_cast<int64_t>(sum(&Loop::reconnects)));
  j.Close('}');

  j.Key("latency_ms");
  WriteLatency(j, latency);

  j.Key("cpu");
  WriteCpu(j, run_cpu0, run_cpu1, delivered, published);

  j.Key("timeline").Open('[');
  const size_t seconds = std::min<size_t>(
      kTimelineSeconds, static_cast<size_t>(std::ceil((run_cpu1.at_ns - start_ns) / 1e9)));
  for (size_t s = 0; s < seconds && !o.storm; ++s) {
    j.Open('{');
    j.Key("t").Int(static_cast<int64_t>(s));
    j.Key("published").Int(static_cast<int64_t>(shared.counters.ok_per_second[s].load()));
    j.Key("delivered").Int(static_cast<int64_t>(delivered_per_second[s]));
    j.Close('}');
  }
  j.Close(']');

  // The worst publish->receive latency in each 100 ms since the first
  // publish (periodic stalls show up here).
  j.Key("max_latency_ms_per_100ms").Open('[');
  for (size_t s = 0; s < std::min(kSlices, seconds * 10) && !o.storm; ++s) {
    j.Num(static_cast<double>(max_latency_per_slice[s]) / 1e6);
  }
  j.Close(']');

  j.Key("errors").Open('{');
  j.Key("count").Int(static_cast<int64_t>(errors_seen));
  j.Key("first").Str(first_error);
  j.Close('}');
  j.Close('}');

  summary->ok = true;
  summary->subscribed = subscribed;
  summary->connect_failed = connect_failed;
  summary->published = published;
  summary->publish_failed = shared.counters.failed.load();
  summary->expected = expected;
  summary->delivered = delivered;
  summary->latency_samples = latency.count();
  summary->subscriptions_lost = sum(&Loop::lost);
  summary->storm_cycles = sum(&Loop::cycles);
  summary->storm_errors = sum(&Loop::cycle_errors);
  summary->errors = errors_seen;
  summary->first_error = first_error.empty() ? shared.counters.first_error() : first_error;

  // Connections close here (loops stopped): nothing runs concurrently.
  loops.clear();
  return j.str();
}

}  // namespace pushgw::bench
