#include "raft/conf_change.h"

#include <algorithm>
#include <cstring>

namespace chorus::raft {

namespace {

constexpr char kMagic[4] = {'C', 'C', 'v', '1'};

void put_u64(std::string& out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(buf, 8);
}

bool get_u64(const std::string& in, size_t& pos, uint64_t* v) {
  if (in.size() - pos < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) {
    *v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  }
  pos += 8;
  return true;
}

const char* type_name(ConfChangeType type) {
  switch (type) {
    case ConfChangeType::kAddNode:
      return "add";
    case ConfChangeType::kRemoveNode:
      return "remove";
    case ConfChangeType::kAddLearner:
      return "add-learner";
  }
  return "?";
}

}  // namespace

bool ConfChange::enters_joint(bool* auto_leave) const {
  // A simple change is possible only for at most one change and the auto transition.
  if (transition != ConfChangeTransition::kAuto || changes.size() > 1) {
    *auto_leave = transition != ConfChangeTransition::kJointExplicit;
    return true;
  }
  *auto_leave = false;
  return false;
}

std::string encode(const ConfChange& change) {
  std::string out(kMagic, sizeof(kMagic));
  out.push_back(static_cast<char>(change.transition));
  put_u64(out, change.changes.size());
  for (const auto& single : change.changes) {
    out.push_back(static_cast<char>(single.type));
    put_u64(out, single.node.value);
  }
  put_u64(out, change.context.size());
  out += change.context;
  return out;
}

std::optional<ConfChange> decode_conf_change(const std::string& data) {
  if (data.size() < sizeof(kMagic) + 1 || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return std::nullopt;
  }
  size_t pos = sizeof(kMagic);
  ConfChange change;
  const auto transition = static_cast<uint8_t>(data[pos++]);
  if (transition > 2) return std::nullopt;
  change.transition = static_cast<ConfChangeTransition>(transition);
  uint64_t count = 0;
  // Each change takes 9 bytes: reject counts the data cannot hold before allocating.
  if (!get_u64(data, pos, &count) || count > (data.size() - pos) / 9) return std::nullopt;
  for (uint64_t i = 0; i < count; ++i) {
    const auto type = static_cast<uint8_t>(data[pos++]);
    uint64_t node = 0;
    if (type > 2 || !get_u64(data, pos, &node)) return std::nullopt;
    change.changes.push_back({static_cast<ConfChangeType>(type), NodeId{node}});
  }
  uint64_t context_size = 0;
  if (!get_u64(data, pos, &context_size) || context_size != data.size() - pos) return std::nullopt;
  change.context = data.substr(pos);
  return change;
}

std::string to_string(const ConfChange& change) {
  if (change.changes.empty()) return "leave-joint";
  std::string out;
  for (const auto& single : change.changes) {
    if (!out.empty()) out += ",";
    out += std::string(type_name(single.type)) + "(" + std::to_string(single.node.value) + ")";
  }
  return out;
}

std::optional<std::string> Changer::enter_joint(bool auto_leave,
                                                const std::vector<ConfChangeSingle>& changes,
                                                ChangeResult* out) const {
  Config config = tracker_.config;
  ProgressMap progress = tracker_.progress;
  if (config.voters.is_joint()) return "configuration is already joint";
  if (config.voters.incoming.empty()) return "cannot make a zero-voter configuration joint";
  config.voters.outgoing = config.voters.incoming;
  if (auto error = apply(config, progress, changes)) return error;
  config.auto_leave = auto_leave;
  *out = ChangeResult{std::move(config), std::move(progress)};
  return std::nullopt;
}

std::optional<std::string> Changer::leave_joint(ChangeResult* out) const {
  Config config = tracker_.config;
  ProgressMap progress = tracker_.progress;
  if (!config.voters.is_joint()) return "cannot leave a non-joint configuration";
  for (NodeId id : config.learners_next) {
    config.learners.insert(id);
    progress.at(id).set_learner(true);
  }
  config.learners_next.clear();
  for (NodeId id : config.voters.outgoing.voters()) {
    if (!config.voters.incoming.contains(id) && config.learners.count(id) == 0) {
      progress.erase(id);
    }
  }
  config.voters.outgoing = MajorityConfig{};
  config.auto_leave = false;
  *out = ChangeResult{std::move(config), std::move(progress)};
  return std::nullopt;
}

std::optional<std::string> Changer::simple(const std::vector<ConfChangeSingle>& changes,
                                           ChangeResult* out) const {
  Config config = tracker_.config;
  ProgressMap progress = tracker_.progress;
  if (config.voters.is_joint()) return "cannot apply a simple change to a joint configuration";
  if (auto error = apply(config, progress, changes)) return error;
  // A one-step change is safe only if the old and new majorities must overlap: at most one
  // voter may differ (Raft dissertation §4.1).
  const auto& before = tracker_.config.voters.incoming.voters();
  const auto& after = config.voters.incoming.voters();
  std::vector<NodeId> difference;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(),
                                std::back_inserter(difference));
  if (difference.size() > 1) return "more than one voter changed without joint consensus";
  *out = ChangeResult{std::move(config), std::move(progress)};
  return std::nullopt;
}

std::optional<std::string> Changer::apply_change(const ConfChange& change,
                                                 ChangeResult* out) const {
  bool auto_leave = false;
  if (change.leaves_joint()) return leave_joint(out);
  if (change.enters_joint(&auto_leave)) return enter_joint(auto_leave, change.changes, out);
  return simple(change.changes, out);
}

std::optional<std::string> Changer::apply(Config& config, ProgressMap& progress,
                                          const std::vector<ConfChangeSingle>& changes) const {
  for (const auto& change : changes) {
    if (change.node == kNoNode) continue;
    switch (change.type) {
      case ConfChangeType::kAddNode:
        make_voter(config, progress, change.node);
        break;
      case ConfChangeType::kAddLearner:
        make_learner(config, progress, change.node);
        break;
      case ConfChangeType::kRemoveNode:
        remove(config, progress, change.node);
        break;
    }
  }
  if (config.voters.incoming.empty()) return "removed all voters";
  return std::nullopt;
}

void Changer::init_progress(Config& config, ProgressMap& progress, NodeId id, bool learner) const {
  if (learner) {
    config.learners.insert(id);
  } else {
    config.voters.incoming.voters().insert(id);
  }
  // Probe from the leader's last index; rejections walk it back. A new member counts as
  // recently active so that adding it cannot make check-quorum depose the leader at once.
  Progress pr(std::max(last_index_, Index{1}), tracker_.limits(), learner);
  pr.set_recent_active(true);
  progress.insert_or_assign(id, std::move(pr));
}

void Changer::make_voter(Config& config, ProgressMap& progress, NodeId id) const {
  auto it = progress.find(id);
  if (it == progress.end()) {
    init_progress(config, progress, id, /*learner=*/false);
    return;
  }
  it->second.set_learner(false);
  config.learners.erase(id);
  config.learners_next.erase(id);
  config.voters.incoming.voters().insert(id);
}

void Changer::make_learner(Config& config, ProgressMap& progress, NodeId id) const {
  auto it = progress.find(id);
  if (it == progress.end()) {
    init_progress(config, progress, id, /*learner=*/true);
    return;
  }
  if (it->second.is_learner()) return;
  config.voters.incoming.voters().erase(id);
  config.learners.erase(id);
  config.learners_next.erase(id);
  // Still a voter of the outgoing half: it may only become a learner when that half goes.
  if (config.voters.outgoing.contains(id)) {
    config.learners_next.insert(id);
  } else {
    it->second.set_learner(true);
    config.learners.insert(id);
  }
}

void Changer::remove(Config& config, ProgressMap& progress, NodeId id) const {
  if (progress.count(id) == 0) return;
  config.voters.incoming.voters().erase(id);
  config.learners.erase(id);
  config.learners_next.erase(id);
  // An outgoing voter keeps its progress until the joint configuration is left.
  if (!config.voters.outgoing.contains(id)) progress.erase(id);
}

std::optional<std::string> restore_config(const ConfState& state, Index last_index,
                                          ProgressTracker& tracker) {
  Config config;
  ProgressMap progress;
  auto add = [&](NodeId id, bool learner) {
    Progress pr(std::max(last_index, Index{1}), tracker.limits(), learner);
    pr.set_recent_active(true);
    progress.insert_or_assign(id, std::move(pr));
  };
  for (NodeId id : state.voters) {
    config.voters.incoming.voters().insert(id);
    add(id, false);
  }
  for (NodeId id : state.voters_outgoing) {
    config.voters.outgoing.voters().insert(id);
    if (progress.count(id) == 0) add(id, false);
  }
  for (NodeId id : state.learners) {
    if (config.voters.contains(id)) return "a node is both voter and learner";
    config.learners.insert(id);
    add(id, true);
  }
  for (NodeId id : state.learners_next) {
    if (!config.voters.outgoing.contains(id)) return "learner_next is not an outgoing voter";
    config.learners_next.insert(id);
  }
  config.auto_leave = state.auto_leave;
  tracker.config = std::move(config);
  tracker.progress = std::move(progress);
  return std::nullopt;
}

}  // namespace chorus::raft
