#include "base/shared_mutex.h"

#include <cstdlib>

namespace chorus::base {

namespace {
// A failed lock call means a bug (deadlock on ourselves, a corrupt lock): no recovery.
void check(int result) {
  if (result != 0) std::abort();
}
}  // namespace

WriterPreferringSharedMutex::WriterPreferringSharedMutex() {
  pthread_rwlockattr_t attributes;
  check(pthread_rwlockattr_init(&attributes));
  // "Nonrecursive": a reader never takes the lock twice, which is what lets glibc block new
  // readers while a writer waits.
  check(pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
  check(pthread_rwlock_init(&lock_, &attributes));
  check(pthread_rwlockattr_destroy(&attributes));
}

WriterPreferringSharedMutex::~WriterPreferringSharedMutex() {
  pthread_rwlock_destroy(&lock_);
}

void WriterPreferringSharedMutex::lock() {
  check(pthread_rwlock_wrlock(&lock_));
}

void WriterPreferringSharedMutex::unlock() {
  check(pthread_rwlock_unlock(&lock_));
}

void WriterPreferringSharedMutex::lock_shared() {
  check(pthread_rwlock_rdlock(&lock_));
}

void WriterPreferringSharedMutex::unlock_shared() {
  check(pthread_rwlock_unlock(&lock_));
}

}  // namespace chorus::base
