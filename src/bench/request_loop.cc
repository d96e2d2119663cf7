#include "bench/request_loop.h"

#include <fmt/format.h>
#include <grpcpp/alarm.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "base/invariant.h"
#include "bench/runner.h"
#include "client/endpoints.h"

namespace chorus::bench {

namespace {

using Clock = std::chrono::steady_clock;

// What every requester reads, and the two counters they share.
struct Shared {
  const BenchOptions& options;
  const LoopLimits& limits;
  Workload workload;
  bool load_phase;
  Clock::time_point start;
  Clock::time_point deadline;
  Clock::duration pacing_interval;  // per requester; zero when unpaced
  Clock::duration request_timeout;
  std::atomic<std::int64_t> next_sequence{0};
  std::atomic<std::uint64_t> done{0};
};

enum class Outcome { ok, miss, error };  // miss: key not found, or a lost compare-and-swap

struct Tally {
  Histogram latency;
  std::vector<TracedRequest> traces;
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  std::uint64_t misses = 0;
  std::string first_error;
};

// One closed-loop client: one step at a time, each completion (its own address is the tag)
// moving it on. Only its completion queue's thread touches it, so it needs no lock.
class Requester {
 public:
  Requester(int index, Shared& shared, etcdserverpb::KV::Stub& stub, grpc::CompletionQueue& queue)
      : shared_(shared),
        stub_(stub),
        queue_(queue),
        random_(0x9e3779b97f4a7c15ULL * (index + 1)),
        next_send_(shared.start) {
    std::mt19937_64 value_random(0x5eed + index);
    // One random value per client, as etcd's benchmark does.
    value_ = random_bytes(shared.options.val_size, value_random);
  }

  // Takes the first step; false when there was none left to take.
  bool start() { return next_step(); }

  // Handles this requester's completion; false once it has no step left to take.
  bool on_completion() {
    switch (phase_) {
      case Phase::pacing:
        send(step_);
        return true;
      case Phase::put:
        return finish(status_.ok() ? Outcome::ok : Outcome::error);
      case Phase::range:
      case Phase::cas_read:
        if (!status_.ok()) return finish(Outcome::error);
        if (phase_ == Phase::cas_read) {
          send_swap();
          return true;
        }
        return finish(range_response_.kvs_size() == 0 ? Outcome::miss : Outcome::ok);
      case Phase::cas_write:
        if (!status_.ok()) return finish(Outcome::error);
        // Another client wrote the key between the read and the swap: a lost race, not an error.
        return finish(txn_response_.succeeded() ? Outcome::ok : Outcome::miss);
    }
    CHORUS_INVARIANT(false, "every phase is handled above");
    return false;
  }

  Tally& tally() { return tally_; }

 private:
  // pacing: waiting on the alarm for the step's send time; the others name the request in
  // flight. cas_read then cas_write is one compare-and-swap step.
  enum class Phase { pacing, put, range, cas_read, cas_write };

  bool next_step() {
    const std::int64_t sequence = shared_.next_sequence.fetch_add(1, std::memory_order_relaxed);
    const auto now = Clock::now();
    if (sequence >= shared_.limits.total || now >= shared_.deadline) return false;
    const BenchOptions& o = shared_.options;
    traced_ = !shared_.load_phase && o.trace_every > 0 && sequence % o.trace_every == 0;
    const std::int64_t index =
        shared_.load_phase
            ? sequence
            : static_cast<std::int64_t>(random_() % static_cast<std::uint64_t>(o.key_space_size));
    key_ = make_key(o, index);
    switch (shared_.load_phase ? Workload::put : shared_.workload) {
      case Workload::range:
        step_ = Phase::range;
        break;
      case Workload::txn:
        step_ = Phase::cas_read;
        break;
      case Workload::mixed:
        step_ = std::uniform_real_distribution<double>(0, 1)(random_) < o.read_ratio ? Phase::range
                                                                                     : Phase::put;
        break;
      case Workload::put:
      case Workload::watch:  // run_bench never runs watch here
        step_ = Phase::put;
        break;
    }
    if (shared_.pacing_interval > Clock::duration::zero()) {
      const auto send_at = next_send_;
      next_send_ += shared_.pacing_interval;
      if (send_at > now) {
        phase_ = Phase::pacing;
        alarm_ = std::make_unique<grpc::Alarm>();
        alarm_->Set(&queue_, std::chrono::system_clock::now() + (send_at - now), this);
        return true;
      }
    }
    send(step_);
    return true;
  }

  // A traced step's every request carries the step's traceparent (a txn step's read and swap
  // share one trace id; the member logs a line for each).
  std::unique_ptr<grpc::ClientContext> fresh_context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + shared_.request_timeout);
    if (traced_) context->AddMetadata("traceparent", traceparent());
    return context;
  }

  std::string traceparent() {
    if (phase_ != Phase::cas_write) {
      trace_id_ = fmt::format("{:016x}{:016x}", trace_random_() | 1, trace_random_());
    }
    return fmt::format("00-{}-{:016x}-01", trace_id_, trace_random_() | 1);
  }

  void send(Phase step) {
    sent_ = Clock::now();
    if (step == Phase::put) {
      send_put();
    } else {
      send_range(step);
    }
  }

  void send_put() {
    phase_ = Phase::put;
    put_.set_key(key_);
    put_.set_value(value_);
    context_ = fresh_context();
    put_reader_ = stub_.AsyncPut(context_.get(), put_, &queue_);
    put_reader_->Finish(&put_response_, &status_, this);
  }

  void send_range(Phase step) {
    phase_ = step;
    range_.set_key(key_);
    range_.set_serializable(!shared_.options.linearizable);
    context_ = fresh_context();
    range_reader_ = stub_.AsyncRange(context_.get(), range_, &queue_);
    range_reader_->Finish(&range_response_, &status_, this);
  }

  // Write the key only if its mod_revision is still what the read saw.
  void send_swap() {
    phase_ = Phase::cas_write;
    const std::int64_t mod_revision =
        range_response_.kvs_size() == 0 ? 0 : range_response_.kvs(0).mod_revision();
    txn_.Clear();
    auto* compare = txn_.add_compare();
    compare->set_key(key_);
    compare->set_target(etcdserverpb::Compare::MOD);
    compare->set_result(etcdserverpb::Compare::EQUAL);
    compare->set_mod_revision(mod_revision);
    auto* swap = txn_.add_success()->mutable_request_put();
    swap->set_key(key_);
    swap->set_value(value_);
    context_ = fresh_context();
    txn_reader_ = stub_.AsyncTxn(context_.get(), txn_, &queue_);
    txn_reader_->Finish(&txn_response_, &status_, this);
  }

  // Records the step that just ended and takes the next one.
  bool finish(Outcome outcome) {
    if (outcome == Outcome::error) {
      ++tally_.errors;
      if (tally_.first_error.empty()) {
        tally_.first_error =
            fmt::format("{} ({})", status_.error_message(), static_cast<int>(status_.error_code()));
      }
    } else {
      ++tally_.ops;
      if (outcome == Outcome::miss) ++tally_.misses;
      tally_.latency.record(Clock::now() - sent_);
    }
    if (traced_) {
      tally_.traces.push_back(
          {trace_id_, method_name(),
           std::chrono::duration<double, std::milli>(Clock::now() - sent_).count(),
           static_cast<int>(status_.error_code())});
    }
    shared_.done.fetch_add(1, std::memory_order_relaxed);
    return next_step();
  }

  // The method of the step's last request, as the member's trace line names it.
  const char* method_name() const {
    switch (phase_) {
      case Phase::put:
        return "Put";
      case Phase::range:
      case Phase::cas_read:
        return "Range";
      case Phase::cas_write:
        return "Txn";
      case Phase::pacing:
        break;
    }
    return "";
  }

  Shared& shared_;
  etcdserverpb::KV::Stub& stub_;
  grpc::CompletionQueue& queue_;
  std::mt19937_64 random_;
  std::string value_;
  Clock::time_point next_send_;

  Phase step_ = Phase::put;  // the request the current step starts with
  Phase phase_ = Phase::put;
  std::string key_;
  Clock::time_point sent_;
  bool traced_ = false;
  std::string trace_id_;
  // Apart from random_, so that tracing leaves the keys a run picks as they were.
  std::mt19937_64 trace_random_{std::random_device{}()};
  Tally tally_;

  std::unique_ptr<grpc::Alarm> alarm_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::Status status_;
  etcdserverpb::PutRequest put_;
  etcdserverpb::PutResponse put_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::PutResponse>> put_reader_;
  etcdserverpb::RangeRequest range_;
  etcdserverpb::RangeResponse range_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::RangeResponse>> range_reader_;
  etcdserverpb::TxnRequest txn_;
  etcdserverpb::TxnResponse txn_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::TxnResponse>> txn_reader_;
};

// One completion-queue thread: starts its requesters, then moves each on as its completions
// arrive, until none has a step left.
void drive(grpc::CompletionQueue& queue, const std::vector<Requester*>& requesters) {
  std::size_t active = 0;
  for (Requester* requester : requesters) {
    if (requester->start()) ++active;
  }
  if (active == 0) queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  // `ok` is always true for a unary call's Finish and for an alarm that fired (none is
  // cancelled); the call's own status says whether it worked.
  while (queue.Next(&tag, &ok)) {
    if (!static_cast<Requester*>(tag)->on_completion() && --active == 0) queue.Shutdown();
  }
}

}  // namespace

Channels open_channels(const BenchOptions& options) {
  CHORUS_ASSERT(!options.endpoints.empty());
  Channels channels;
  for (int i = 0; i < std::max(options.conns, 1); ++i) {
    // One TCP connection each, as etcd's benchmark means by --conns.
    channels.push_back(client::make_channel(options.endpoints[i % options.endpoints.size()]));
  }
  return channels;
}

bool wait_serving(const Channels& channels, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  for (const auto& channel : channels) {
    auto maintenance = etcdserverpb::Maintenance::NewStub(channel);
    while (true) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      etcdserverpb::StatusResponse response;
      if (maintenance->Status(&context, {}, &response).ok()) break;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return true;
}

void run_request_loop(const BenchOptions& options, const Channels& channels,
                      const LoopLimits& limits, Workload workload, bool load_phase,
                      BenchResult& result) {
  CHORUS_ASSERT(options.clients >= 1);
  CHORUS_ASSERT(!channels.empty());
  CHORUS_ASSERT(workload != Workload::watch);
  const auto start = Clock::now();
  Shared shared{options,
                limits,
                workload,
                load_phase,
                start,
                start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(limits.duration_s)),
                limits.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.clients / limits.rate))
                                : Clock::duration::zero(),
                std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(options.request_timeout_s))};
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
  for (const auto& channel : channels) stubs.push_back(etcdserverpb::KV::NewStub(channel));
  // A thread per core is enough to keep every requester moving; more would only switch. (On 2
  // cores, one thread against two: 17-18k against 18-22k serializable reads/s from one member.)
  const int threads =
      std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, options.clients);
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues;
  for (int i = 0; i < threads; ++i) queues.push_back(std::make_unique<grpc::CompletionQueue>());
  std::vector<std::unique_ptr<Requester>> requesters;
  std::vector<std::vector<Requester*>> per_queue(threads);
  for (int client = 0; client < options.clients; ++client) {
    auto& queue = *queues[client % threads];
    requesters.push_back(
        std::make_unique<Requester>(client, shared, *stubs[client % stubs.size()], queue));
    per_queue[client % threads].push_back(requesters.back().get());
  }
  {
    Progress progress(limits.label, shared.done, limits.total, limits.progress);
    std::vector<std::thread> drivers;
    for (int i = 0; i < threads; ++i) {
      drivers.emplace_back(drive, std::ref(*queues[i]), std::cref(per_queue[i]));
    }
    for (std::thread& driver : drivers) driver.join();
    // Before the progress printer stops: it may take up to one of its sleeps to notice.
    result.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  }
  for (auto& requester : requesters) {
    Tally& tally = requester->tally();
    result.latency.merge(tally.latency);
    result.ops += tally.ops;
    result.errors += tally.errors;
    result.misses += tally.misses;
    std::move(tally.traces.begin(), tally.traces.end(), std::back_inserter(result.traces));
    if (result.first_error.empty()) result.first_error = tally.first_error;
  }
}

}  // namespace chorus::bench
