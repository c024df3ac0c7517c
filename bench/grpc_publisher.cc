#include "bench/grpc_publisher.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <deque>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pushgw/control/v1/control.grpc.pb.h"

namespace pushgw::bench {
namespace {

using v1::Control;
using v1::PublishRequest;
using v1::PublishResponse;
using v1::PublishStreamRequest;
using v1::PublishStreamResponse;

class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

class GrpcPublisher final : public PublisherTransport {
 public:
  GrpcPublisher(bool streaming, const PublisherContext& context)
      : streaming_(streaming),
        options_(*context.options),
        channel_ids_(context.channel_ids),
        counters_(*context.counters) {
    MakeBody(0, static_cast<size_t>(options_.message_size), &body_);
  }

  ~GrpcPublisher() override {
    if (thread_.joinable()) thread_.join();
  }

  void Start(int64_t start_ns, int64_t deadline_ns) override {
    start_ns_ = start_ns;
    deadline_ns_ = deadline_ns;
    const int connections = std::max(1, options_.publishers);
    for (int i = 0; i < connections; ++i) {
      grpc::ChannelArguments args;
      // One TCP connection per stub.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("pushgw.bench.connection", i);
      stubs_.push_back(Control::NewStub(grpc::CreateCustomChannel(
          options_.grpc_target, grpc::InsecureChannelCredentials(), args)));
    }
    thread_ = std::thread([this] { Run(); });
  }

  void Wait() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  // --- unary ---
  struct UnaryCall final : Tag {
    GrpcPublisher* self = nullptr;
    int connection = 0;
    int channel = 0;
    grpc::ClientContext context;
    PublishRequest request;
    PublishResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<PublishResponse>> reader;
    void Proceed(bool ok) override { self->UnaryDone(this); }
  };

  // --- streaming ---
  struct Stream;
  struct StreamTag final : Tag {
    enum Kind { kStart, kWrite, kRead, kWritesDone, kFinish };
    Stream* stream = nullptr;
    Kind kind = kStart;
    void Proceed(bool ok) override { stream->self->StreamEvent(*stream, kind, ok); }
  };
  struct Stream {
    GrpcPublisher* self = nullptr;
    int connection = 0;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientAsyncReaderWriter<PublishStreamRequest, PublishStreamResponse>> rw;
    PublishStreamRequest write;
    PublishStreamResponse read;
    grpc::Status status;
    std::deque<int> pending;  // channel of each unacknowledged message
    uint64_t sequence = 0;
    bool writing = false;
    bool writes_done = false;
    bool reads_done = false;
    bool finishing = false;
    bool finished = false;
    StreamTag tags[5];
  };

  int64_t Now() const { return SteadyNowNs(); }
  int NextChannel() { return static_cast<int>(next_channel_++ % channel_ids_.size()); }
  void Stamp() { RestampBody(Now(), body_.data()); }

  void Run() {
    const int window = std::max(1, options_.pipeline);
    std::vector<std::unique_ptr<Stream>> streams;
    if (streaming_) {
      for (size_t i = 0; i < stubs_.size(); ++i) {
        auto s = std::make_unique<Stream>();
        s->self = this;
        s->connection = static_cast<int>(i);
        for (int k = 0; k < 5; ++k) {
          s->tags[k].stream = s.get();
          s->tags[k].kind = static_cast<StreamTag::Kind>(k);
        }
        s->context.set_deadline(std::chrono::system_clock::now() +
                                std::chrono::nanoseconds(deadline_ns_ - Now()) +
                                std::chrono::seconds(10));
        s->rw = stubs_[i]->PrepareAsyncPublishStream(&s->context, &cq_);
        s->rw->StartCall(&s->tags[StreamTag::kStart]);
        ++active_;
        streams.push_back(std::move(s));
      }
    } else {
      for (size_t i = 0; i < stubs_.size(); ++i) {
        for (int w = 0; w < window; ++w) StartUnary(static_cast<int>(i));
      }
    }
    void* tag = nullptr;
    bool ok = false;
    while (active_ > 0 && cq_.Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
    cq_.Shutdown();
    while (cq_.Next(&tag, &ok)) {
    }
  }

  void StartUnary(int connection) {
    if (Now() >= deadline_ns_ || !counters_.Claim(options_.max_messages)) return;
    auto* call = new UnaryCall;
    call->self = this;
    call->connection = connection;
    call->channel = NextChannel();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    call->request.add_channels(channel_ids_[call->channel]);
    Stamp();
    call->request.set_data(body_);
    call->reader = stubs_[connection]->PrepareAsyncPublish(&call->context, call->request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
    ++active_;
    counters_.in_flight.fetch_add(1, std::memory_order_relaxed);
  }

  void UnaryDone(UnaryCall* call) {
    --active_;
    counters_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (call->status.ok()) {
      counters_.RecordOk(call->channel, Now(), start_ns_);
    } else {
      counters_.RecordError(absl::StrCat("gRPC Publish: ", call->status.error_code(), " ",
                                         call->status.error_message()));
    }
    const int connection = call->connection;
    delete call;
    StartUnary(connection);
  }

  void MaybeWrite(Stream& s) {
    if (s.writing || s.writes_done || s.reads_done) return;
    const int window = std::max(1, options_.pipeline);
    if (Now() < deadline_ns_ && !out_of_messages_) {
      if (static_cast<int>(s.pending.size()) >= window) return;
      if (!counters_.Claim(options_.max_messages)) {
        out_of_messages_ = true;
        MaybeWrite(s);
        return;
      }
      const int channel = NextChannel();
      s.write.Clear();
      s.write.set_sequence(++s.sequence);
      PublishRequest* publish = s.write.mutable_publish();
      publish->add_channels(channel_ids_[channel]);
      Stamp();
      publish->set_data(body_);
      s.pending.push_back(channel);
      s.writing = true;
      counters_.in_flight.fetch_add(1, std::memory_order_relaxed);
      s.rw->Write(s.write, &s.tags[StreamTag::kWrite]);
    } else if (s.pending.empty()) {
      s.writes_done = true;
      s.writing = true;
      s.rw->WritesDone(&s.tags[StreamTag::kWritesDone]);
    }
  }

  void MaybeFinish(Stream& s) {
    if (s.finishing || !s.reads_done || s.writing) return;
    s.finishing = true;
    s.rw->Finish(&s.status, &s.tags[StreamTag::kFinish]);
  }

  void StreamEvent(Stream& s, StreamTag::Kind kind, bool ok) {
    switch (kind) {
      case StreamTag::kStart:
        if (!ok) {
          s.reads_done = true;
          MaybeFinish(s);
          return;
        }
        s.rw->Read(&s.read, &s.tags[StreamTag::kRead]);
        MaybeWrite(s);
        return;
      case StreamTag::kWrite:
      case StreamTag::kWritesDone:
        s.writing = false;
        if (ok) MaybeWrite(s);
        MaybeFinish(s);
        return;
      case StreamTag::kRead:
        if (!ok) {
          s.reads_done = true;
          MaybeFinish(s);
          return;
        }
        if (!s.pending.empty()) {
          const int channel = s.pending.front();
          s.pending.pop_front();
          counters_.in_flight.fetch_sub(1, std::memory_order_relaxed);
          if (s.read.has_published()) {
            counters_.RecordOk(channel, Now(), start_ns_);
          } else {
            counters_.RecordError(absl::StrCat("gRPC PublishStream: ", s.read.error().code(), " ",
                                               s.read.error().message()));
          }
        }
        s.rw->Read(&s.read, &s.tags[StreamTag::kRead]);
        MaybeWrite(s);
        return;
      case StreamTag::kFinish:
        s.finished = true;
        --active_;
        if (!s.pending.empty()) {
          counters_.in_flight.fetch_sub(static_cast<int64_t>(s.pending.size()));
          for (size_t i = 0; i < s.pending.size(); ++i) {
            counters_.RecordError(absl::StrCat("gRPC PublishStream ended: ", s.status.error_code(),
                                               " ", s.status.error_message()));
          }
          s.pending.clear();
        } else if (!s.status.ok()) {
          counters_.RecordError(absl::StrCat("gRPC PublishStream: ", s.status.error_code(), " ",
                                             s.status.error_message()));
        }
        return;
    }
  }

  const bool streaming_;
  const Options& options_;
  const std::vector<std::string> channel_ids_;
  PublishCounters& counters_;
  std::string body_;
  std::vector<std::unique_ptr<Control::Stub>> stubs_;
  grpc::CompletionQueue cq_;
  std::thread thread_;
  int64_t start_ns_ = 0;
  int64_t deadline_ns_ = 0;
  uint64_t next_channel_ = 0;
  int active_ = 0;
  bool out_of_messages_ = false;
};

}  // namespace

std::unique_ptr<PublisherTransport> MakeGrpcPublisher(const std::string& transport,
                                                      const PublisherContext& context,
                                                      std::string* error) {
  const bool streaming = transport == "grpc-stream";
  if (!streaming && transport != "grpc") {
    *error = absl::StrCat("unknown publish transport ", transport);
    return nullptr;
  }
  if (context.options->grpc_target.empty()) {
    *error = "gRPC publishing needs --grpc_target=127.0.0.1:PORT";
    return nullptr;
  }
  if (context.options->rate > 0) {
    *error = "gRPC publishing runs flat out only (--rate=0)";
    return nullptr;
  }
  return std::make_unique<GrpcPublisher>(streaming, context);
}

}  // namespace pushgw::bench
