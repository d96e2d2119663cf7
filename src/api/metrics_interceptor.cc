#include "api/metrics_interceptor.h"

#include <array>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "api/trace.h"

namespace chorus::api {

namespace {

using Clock = std::chrono::steady_clock;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// go-grpc-prometheus' names for gRPC's codes (grpc_code label).
constexpr std::array<const char*, 17> kCodeNames = {
    "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated"};

const char* type_name(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The instruments of one method, looked up once per method rather than once per call.
struct MethodMetrics {
  std::string type, service, method;
  bool unary = false;
  bool watch = false;
  metrics::Counter* started = nullptr;
  metrics::Histogram* handling = nullptr;
  // Filled on first use of each code; read without the table's lock on every call after.
  std::array<std::atomic<metrics::Counter*>, kCodeNames.size()> handled{};
};

class Table {
 public:
  Table(metrics::Registry& registry, const base::Logger* logger)
      : started_(registry.counter_family("grpc_server_started_total",
                                         "Total number of RPCs started on the server.",
                                         {"grpc_type", "grpc_service", "grpc_method"})),
        handled_(registry.counter_family(
            "grpc_server_handled_total",
            "Total number of RPCs completed on the server, regardless of success or failure.",
            {"grpc_type", "grpc_service", "grpc_method", "grpc_code"})),
        handling_(registry.histogram_family(
            "grpc_server_handling_seconds",
            "Histogram of response latency (seconds) of gRPC that had been application-level "
            "handled by the server.",
            {"grpc_type", "grpc_service", "grpc_method"},
            metrics::exponential_buckets(0.0005, 2, 14))),
        unary_(registry.histogram("chorus_grpc_unary_handling_seconds",
                                  "Latency of every unary call on this member (all methods).",
                                  metrics::exponential_buckets(0.0005, 2, 14))),
        watch_streams_(registry.gauge("chorus_watch_streams", "Open Watch streams.")),
        logger_(logger) {}

  MethodMetrics& method(const char* full_name, ServerRpcInfo::Type type) {
    {
      std::shared_lock lock(mutex_);  // every call after a method's first takes only this
      auto it = methods_.find(full_name);
      if (it != methods_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = methods_[full_name];
    if (slot) return *slot;
    slot = std::make_unique<MethodMetrics>();
    // "/etcdserverpb.KV/Range" -> service "etcdserverpb.KV", method "Range".
    std::string name = full_name;
    const size_t slash = name.find('/', 1);
    slot->service = slash == std::string::npos ? name : name.substr(1, slash - 1);
    slot->method = slash == std::string::npos ? name : name.substr(slash + 1);
    slot->type = type_name(type);
    slot->unary = type == ServerRpcInfo::Type::UNARY;
    slot->watch = slot->service == "etcdserverpb.Watch";
    slot->started = &started_.with({slot->type, slot->service, slot->method});
    slot->handling = &handling_.with({slot->type, slot->service, slot->method});
    return *slot;
  }

  metrics::Counter& handled(MethodMetrics& m, int code) {
    if (code < 0 || code >= static_cast<int>(kCodeNames.size())) code = 2;  // Unknown
    if (metrics::Counter* counter = m.handled[code].load(std::memory_order_acquire))
      return *counter;
    // Family::with returns the same child for the same labels, so a race here is harmless.
    metrics::Counter* counter = &handled_.with({m.type, m.service, m.method, kCodeNames[code]});
    m.handled[code].store(counter, std::memory_order_release);
    return *counter;
  }

  metrics::Histogram& unary() { return unary_; }
  metrics::Gauge& watch_streams() { return watch_streams_; }
  const base::Logger* logger() const { return logger_; }

 private:
  metrics::Family<metrics::Counter>& started_;
  metrics::Family<metrics::Counter>& handled_;
  metrics::Family<metrics::Histogram>& handling_;
  metrics::Histogram& unary_;
  metrics::Gauge& watch_streams_;
  const base::Logger* logger_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(Table& table, ServerRpcInfo* info)
      : table_(table), method_(table.method(info->method(), info->type())), start_(Clock::now()) {
    method_.started->add();
    if (method_.watch) table_.watch_streams().add(1);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      look_for_trace(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) && trace_ &&
        trace_->handler_started == Clock::time_point{}) {
      trace_->handler_started = Clock::now();
      set_current_trace(&*trace_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void look_for_trace(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    const base::Logger* logger = table_.logger();
    if (metadata == nullptr || logger == nullptr || !logger->enabled(base::LogLevel::debug)) return;
    auto it = metadata->find("traceparent");
    if (it == metadata->end()) return;
    auto parent = parse_traceparent(std::string_view(it->second.data(), it->second.size()));
    if (!parent) return;
    trace_.emplace();
    trace_->parent = std::move(*parent);
    trace_->received = start_;
  }

  void finish(const grpc::Status& status) {
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    table_.handled(method_, status.error_code()).add();
    method_.handling->observe(seconds);
    if (method_.unary) table_.unary().observe(seconds);
    if (method_.watch) table_.watch_streams().add(-1);
    if (trace_) {
      log_spans(status, now);
      set_current_trace(nullptr);
      trace_.reset();
    }
  }

  void log_spans(const grpc::Status& status, Clock::time_point now) const {
    const CallTrace& t = *trace_;
    const auto handler = t.handler_started == Clock::time_point{} ? now : t.handler_started;
    std::vector<base::LogField> fields = {
        {"trace_id", t.parent.trace_id},
        {"parent_id", t.parent.parent_id},
        {"method", method_.service + "/" + method_.method},
        {"code", kCodeNames[std::min<size_t>(status.error_code(), kCodeNames.size() - 1)]},
        {"receive_ms", ms(handler - t.received)}};
    auto respond_from = handler;
    if (t.proposal) {
      fields.emplace_back("propose_ms", ms(t.proposal->proposed - handler));
      fields.emplace_back("commit_ms", ms(t.proposal->committed - t.proposal->proposed));
      fields.emplace_back("apply_ms", ms(t.proposal->applied - t.proposal->committed));
      respond_from = t.proposal->applied;
    }
    fields.emplace_back("respond_ms", ms(now - respond_from));
    fields.emplace_back("total_ms", ms(now - t.received));
    table_.logger()->debug("trace", fields);
  }

  Table& table_;
  MethodMetrics& method_;
  Clock::time_point start_;
  std::optional<CallTrace> trace_;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  Factory(metrics::Registry& registry, const base::Logger* logger) : table_(registry, logger) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new MetricsInterceptor(table_, info);
  }

 private:
  Table table_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> make_metrics_interceptor(
    metrics::Registry& registry, const base::Logger* logger) {
  return std::make_unique<Factory>(registry, logger);
}

}  // namespace chorus::api
