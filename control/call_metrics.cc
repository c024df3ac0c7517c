#include "control/call_metrics.h"

namespace pushgw::control {
namespace {

class CountingInterceptor : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(CallMetrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->Record(method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  CallMetrics* const metrics_;
  const std::string method_;
};

class CountingFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(CallMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CountingInterceptor(metrics_, info->method() ? info->method() : "unknown");
  }

 private:
  CallMetrics* const metrics_;
};

}  // namespace

const char* StatusCodeName(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}

void CallMetrics::Record(const std::string& method, int code) {
  MutexLock lock(&mu_);
  ++calls_[{method, code}];
}

std::vector<CallMetrics::Count> CallMetrics::Snapshot() const {
  std::vector<Count> out;
  MutexLock lock(&mu_);
  for (const auto& [key, calls] : calls_)
    out.push_back({key.first, StatusCodeName(key.second), calls});
  return out;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallMetrics::Factory() {
  return std::make_unique<CountingFactory>(this);
}

}  // namespace pushgw::control
