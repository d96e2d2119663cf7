#include "sim/client.h"

#include <fmt/format.h>

namespace chorus::sim {

namespace {
check::KvOpKind to_check(KvOp op) {
  switch (op) {
    case KvOp::kGet:
      return check::KvOpKind::kGet;
    case KvOp::kPut:
      return check::KvOpKind::kPut;
    case KvOp::kCas:
      return check::KvOpKind::kCas;
    case KvOp::kDelete:
      return check::KvOpKind::kDelete;
  }
  return check::KvOpKind::kGet;
}
}  // namespace

std::optional<ClientRequest> SimClient::maybe_start(uint64_t now, raft::Random& random,
                                                    const std::vector<NodeId>& nodes) {
  if (current_ || now < next_start_ || nodes.empty() || completed_ >= stop_at_) {
    return std::nullopt;
  }
  KvCommand command;
  command.client = id_;
  command.sequence = next_sequence_++;
  command.key = fmt::format("k{}", random.uniform(tuning_.keys));
  const uint64_t dice = random.uniform(100);
  if (dice < 40) {
    command.op = KvOp::kGet;
  } else if (dice < 70) {
    command.op = KvOp::kPut;
  } else if (dice < 90) {
    command.op = KvOp::kCas;
  } else {
    command.op = KvOp::kDelete;
  }
  // Unique values make every write identifiable in the history.
  if (command.op == KvOp::kPut || command.op == KvOp::kCas) {
    command.value = fmt::format("c{}-{}", id_, command.sequence);
  }
  if (command.op == KvOp::kCas) {
    auto seen = last_seen_.find(command.key);
    if (seen != last_seen_.end()) command.expected = seen->second;
  }
  current_ = InFlight{std::move(command), now, 0, 0, NodeId{}, {}};
  return next_attempt(now, random, nodes);
}

ClientRequest SimClient::next_attempt(uint64_t now, raft::Random& random,
                                      const std::vector<NodeId>& nodes) {
  InFlight& op = *current_;
  ++op.attempt;
  op.deadline = now + tuning_.timeout_ms;
  op.node = nodes[random.uniform(nodes.size())];
  return ClientRequest{id_, op.attempt, op.node, op.command};
}

check::KvOperation SimClient::record(const InFlight& op) const {
  check::KvOperation out;
  out.client = id_;
  out.kind = to_check(op.command.op);
  out.key = op.command.key;
  out.value = op.command.value;
  out.expected = op.command.expected;
  out.call_time = op.call_time;
  return out;
}

void SimClient::give_up(std::vector<check::KvOperation>& history) {
  // A write may still take effect later (it may sit in some leader's log): its outcome is
  // unknown, unless every attempt was refused before it was proposed. A read that never answered
  // changed nothing and is dropped. Marking refused writes failed matters to the checker: each
  // unknown write may be placed anywhere after its call, and a few dozen of them on one key (a
  // leaderless second with five clients retrying) exhaust its search budget.
  if (current_->command.op != KvOp::kGet) {
    check::KvOperation op = record(*current_);
    const bool never_proposed = current_->refused_attempts.size() == current_->attempt;
    op.outcome = never_proposed ? check::KvOutcome::kFailed : check::KvOutcome::kUnknown;
    history.push_back(std::move(op));
  }
  current_.reset();
}

std::optional<ClientRequest> SimClient::maybe_retry(uint64_t now, raft::Random& random,
                                                    const std::vector<NodeId>& nodes, bool healing,
                                                    std::vector<check::KvOperation>& history) {
  if (!current_ || now < current_->deadline) return std::nullopt;
  if (!healing && current_->attempt >= tuning_.max_attempts) {
    give_up(history);
    next_start_ = now + random.uniform(tuning_.think_ms_max + 1);
    return std::nullopt;
  }
  return next_attempt(now, random, nodes);
}

std::optional<ClientRequest> SimClient::on_reply(uint64_t now, const ClientReply& reply,
                                                 raft::Random& random,
                                                 const std::vector<NodeId>& nodes,
                                                 std::vector<check::KvOperation>& history,
                                                 std::string* description) {
  // Late replies to earlier attempts of the same operation are as good as the current one:
  // the state machine applied the command once.
  if (!current_ || reply.sequence != current_->command.sequence) return std::nullopt;
  if (!reply.ok) {
    // A late refusal may name an earlier attempt. Each attempt reaches one node once (client
    // traffic is never duplicated), so its refusal means that attempt was never proposed.
    current_->refused_attempts.insert(reply.attempt);
    if (reply.attempt != current_->attempt) return std::nullopt;
    // Refused (no leader known): try another node after a short pause.
    current_->deadline = now + 10;
    return std::nullopt;
  }
  check::KvOperation op = record(*current_);
  op.return_time = now;
  op.outcome = check::KvOutcome::kOk;
  op.found = reply.result.found;
  op.read_value = reply.result.value;
  op.cas_succeeded = reply.result.cas_succeeded;
  const KvCommand& command = current_->command;
  switch (command.op) {
    case KvOp::kGet:
      last_seen_[command.key] =
          reply.result.found ? std::optional<std::string>(reply.result.value) : std::nullopt;
      break;
    case KvOp::kPut:
      last_seen_[command.key] = command.value;
      break;
    case KvOp::kCas:
      if (reply.result.cas_succeeded) last_seen_[command.key] = command.value;
      break;
    case KvOp::kDelete:
      last_seen_[command.key] = std::nullopt;
      break;
  }
  *description = check::describe(op);
  history.push_back(std::move(op));
  current_.reset();
  ++completed_;
  next_start_ = now + random.uniform(tuning_.think_ms_max + 1);
  (void)nodes;
  return std::nullopt;
}

void SimClient::abandon(std::vector<check::KvOperation>& history) {
  if (current_) give_up(history);
}

}  // namespace chorus::sim
