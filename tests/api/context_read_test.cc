// ApiContext::read hands the node a read that writes into the caller's frame; once the caller
// has given up waiting (its request timed out), that read must never run: a 30-minute chaos run
// lost a member to a SIGSEGV when a stalled loop ran such a read into a dead stack.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "api/context.h"
#include "node/single_node.h"

namespace chorus::api {
namespace {

TEST(ApiContextRead, AReadTheCallerGaveUpOnNeverRunsAfterwards) {
  testing::TempDir dir;
  node::NodeOptions options = testing::single_member_options(dir.path());
  options.request_timeout = std::chrono::milliseconds(100);  // the caller waits 1.1 s
  auto node = testing::open_leader(options);
  ASSERT_NE(node, nullptr);
  ApiContext context(*node, 1 << 20);

  // Stall the node's loop for longer than the caller waits.
  std::atomic<bool> stalled{false};
  std::thread staller([&] {
    node->call([&] {
      stalled.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(1800));
    });
  });
  ASSERT_TRUE(testing::eventually([&] { return stalled.load(); }));

  // Linearizable: it waits for the loop (a serializable read runs on this thread at once).
  auto ran = std::make_shared<std::atomic<bool>>(false);
  const grpc::Status status =
      context.read(/*linearizable=*/true, [ran](const node::StateMachine&) { ran->store(true); });
  EXPECT_FALSE(status.ok()) << "the loop was stalled past the wait: the read must time out";
  staller.join();
  node->call([] {});  // everything queued behind the stall has been handled by now
  EXPECT_FALSE(ran->load()) << "the read ran after its caller had returned";
}

TEST(ApiContextRead, AReadThatRunsInTimeAnswers) {
  testing::TempDir dir;
  auto node = testing::open_leader(testing::single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  ApiContext context(*node, 1 << 20);
  bool ran = false;
  EXPECT_TRUE(
      context.read(/*linearizable=*/true, [&](const node::StateMachine&) { ran = true; }).ok());
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace chorus::api
