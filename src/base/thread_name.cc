#include "base/thread_name.h"

#include <pthread.h>

namespace chorus::base {

namespace {
constexpr size_t kMaxNameChars = 15;  // TASK_COMM_LEN less the terminating NUL
}

void name_this_thread(std::string_view name) {
  const std::string truncated(name.substr(0, kMaxNameChars));
  // Only fails for names over the limit, which the truncation rules out; a name is a diagnostic
  // aid, never worth failing a thread for.
  (void)pthread_setname_np(pthread_self(), truncated.c_str());
}

std::string this_thread_name() {
  char name[kMaxNameChars + 1] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return {};
  return name;
}

}  // namespace chorus::base
