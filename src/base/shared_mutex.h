// A reader-writer lock that lets a waiting writer in before new readers.
//
// std::shared_mutex on glibc is a pthread rwlock that prefers readers: under a steady stream of
// readers a writer can wait indefinitely. The node loop is such a writer (it applies entries
// while clients' serializable reads share the state), and a loop kept waiting stalls every
// write in the cluster, so this one is built with glibc's writer preference. Usable with
// std::unique_lock and std::shared_lock.
#pragma once

#include <pthread.h>

namespace chorus::base {

class WriterPreferringSharedMutex {
 public:
  WriterPreferringSharedMutex();
  ~WriterPreferringSharedMutex();
  WriterPreferringSharedMutex(const WriterPreferringSharedMutex&) = delete;
  WriterPreferringSharedMutex& operator=(const WriterPreferringSharedMutex&) = delete;

  void lock();
  void unlock();
  void lock_shared();
  void unlock_shared();

 private:
  pthread_rwlock_t lock_;
};

}  // namespace chorus::base
