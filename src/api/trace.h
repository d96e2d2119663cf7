// Request tracing: a call whose metadata carries a W3C `traceparent`
// (00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>) gets its spans logged at debug
// level when it ends: receive (until the handler ran), propose (handed to Raft), commit (until
// this member saw it committed), apply, respond. The interceptor (metrics_interceptor.cc) owns
// the CallTrace and sets current_trace() for the handler, which runs on the thread that
// intercepted its message (synchronous and callback handlers alike). ApiContext::propose fills
// in the node's timings through it. A callback handler returns before its answer, so it must
// take_current_trace() first, leaving nothing for the next call on its thread; a write passes
// the pointer to ApiContext::propose_then, whose completion fills it in (the CallTrace lives
// until the call's status is sent).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "node/state_machine.h"

namespace chorus::api {

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex digits
  std::string parent_id;  // 16
};
// nullopt for anything that is not a valid version-00 traceparent (all-zero ids included).
std::optional<TraceParent> parse_traceparent(std::string_view text);

struct CallTrace {
  TraceParent parent;
  std::chrono::steady_clock::time_point received;
  std::chrono::steady_clock::time_point handler_started;
  std::optional<node::Applied::Timings> proposal;  // set when the call proposed something
};

// The trace of the call this thread is handling, or null.
CallTrace* current_trace();
void set_current_trace(CallTrace* trace);
// current_trace(), which it clears: what a callback handler calls first (see above).
CallTrace* take_current_trace();

}  // namespace chorus::api
