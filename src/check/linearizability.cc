#include "check/linearizability.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>

#include "check/invariant.h"

namespace chorus::check {

const char* outcome_name(KvOutcome outcome) {
  switch (outcome) {
    case KvOutcome::kOk:
      return "ok";
    case KvOutcome::kFailed:
      return "failed";
    case KvOutcome::kUnknown:
      return "unknown";
  }
  return "?";
}
namespace {

// Register values are interned per key, so the search compares and hashes small integers.
using ValueId = uint32_t;
constexpr ValueId kAbsent = 0;
// What apply() returns when an operation's recorded result contradicts the register.
constexpr ValueId kContradiction = UINT32_MAX;
constexpr uint32_t kNone = UINT32_MAX;

// Lines of history an explanation shows at most, so a report stays readable in a CI log.
constexpr size_t kWindowLinesMax = 40;
constexpr size_t kOrderLinesMax = 12;
constexpr size_t kQuotedBytesMax = 48;

// One operation on one key, reduced to what the search needs.
struct KeyOp {
  uint32_t history_index = 0;
  KvOpKind kind = KvOpKind::kGet;
  // kOk: must be linearized, and its result constrains the register. kUnknown (never a get): may
  // be linearized or left out, and its result is free.
  bool definite = true;
  bool cas_succeeded = false;
  // Put and Cas: the value written. Get: the value read, kAbsent when not found.
  ValueId value = kAbsent;
  ValueId expected = kAbsent;
  // The operation's bit in the definite set or in the unknown set.
  uint32_t slot = 0;
};

// The sequential specification: a register that may be absent.
ValueId apply(const KeyOp& op, ValueId current) {
  switch (op.kind) {
    case KvOpKind::kGet:
      return op.value == current ? current : kContradiction;
    case KvOpKind::kPut:
      return op.value;
    case KvOpKind::kDelete:
      return kAbsent;
    case KvOpKind::kCas:
      if (op.definite && !op.cas_succeeded) {
        return current != op.expected ? current : kContradiction;
      }
      // An unknown cas that would fail changes nothing, exactly like one that never took effect,
      // which the search already covers by leaving the operation out.
      return current == op.expected ? op.value : kContradiction;
  }
  return kContradiction;
}

struct KeyHistory {
  const std::vector<KvOperation>* history = nullptr;
  std::string_view key;
  std::vector<KeyOp> ops;
  // Indexed by ValueId; values[kAbsent] is unused.
  std::vector<std::string_view> values;
  uint32_t definite_count = 0;
  uint32_t unknown_count = 0;
};

KeyHistory compile_key(std::string_view key, const std::vector<KvOperation>& history,
                       const std::vector<uint32_t>& indexes) {
  KeyHistory compiled;
  compiled.history = &history;
  compiled.key = key;
  compiled.values.push_back({});
  std::unordered_map<std::string_view, ValueId> ids;
  auto intern = [&](std::string_view value) {
    auto [it, inserted] = ids.try_emplace(value, static_cast<ValueId>(compiled.values.size()));
    if (inserted) compiled.values.push_back(value);
    return it->second;
  };
  compiled.ops.reserve(indexes.size());
  for (uint32_t index : indexes) {
    const KvOperation& operation = history[index];
    CHORUS_CHECK_INVARIANT(operation.key == key);
    CHORUS_CHECK_INVARIANT(operation.outcome != KvOutcome::kFailed);
    KeyOp op;
    op.history_index = index;
    op.kind = operation.kind;
    op.definite = operation.outcome == KvOutcome::kOk;
    op.cas_succeeded = op.definite && operation.cas_succeeded;
    switch (operation.kind) {
      case KvOpKind::kGet:
        CHORUS_CHECK_INVARIANT(op.definite);
        op.value = operation.found ? intern(operation.read_value) : kAbsent;
        break;
      case KvOpKind::kPut:
        op.value = intern(operation.value);
        break;
      case KvOpKind::kCas:
        op.value = intern(operation.value);
        op.expected = operation.expected ? intern(*operation.expected) : kAbsent;
        break;
      case KvOpKind::kDelete:
        break;
    }
    op.slot = op.definite ? compiled.definite_count++ : compiled.unknown_count++;
    compiled.ops.push_back(op);
  }
  CHORUS_CHECK_INVARIANT(compiled.values.size() < kContradiction);
  return compiled;
}

// splitmix64's finaliser: spreads the bits of a slot or of a combined hash.
uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

bool is_subset(const uint64_t* small, const uint64_t* large, size_t words) {
  for (size_t w = 0; w < words; ++w) {
    if ((small[w] & ~large[w]) != 0) return false;
  }
  return true;
}

// The states the search has entered: (set of definite operations linearized, set of unknown
// operations linearized, register value). Lowe's memoisation keeps a state reached twice by two
// orders of the same operations from being explored twice. Unknown operations add a subsumption:
// a state whose unknown set contains a recorded one (same definite set, same value) cannot lead
// anywhere the recorded one cannot, because unknown operations never have to be linearized and
// never hold others back. So states are grouped by (definite set, value), and each group keeps
// the minimal unknown sets seen. With no unknown operations this is plain memoisation.
class VisitedStates {
 public:
  VisitedStates(size_t definite_words, size_t unknown_words)
      : definite_words_(definite_words), unknown_words_(unknown_words), table_(1024, kNone) {}

  // Records the state and returns true, or returns false if a recorded state subsumes it.
  bool visit(const uint64_t* definite, uint64_t definite_hash, const uint64_t* unknown,
             ValueId value) {
    if ((groups_.size() + 1) * 2 > table_.size()) grow();
    const uint64_t hash = mix64(definite_hash ^ (uint64_t{value} << 32 | value));
    const size_t mask = table_.size() - 1;
    size_t position = hash & mask;
    for (size_t probe = 0; probe < table_.size(); ++probe) {
      const uint32_t group = table_[position];
      if (group == kNone) {
        table_[position] = add_group(definite, hash, value);
        add_set(table_[position], unknown);
        return true;
      }
      if (same_group(group, definite, hash, value)) return add_set_unless_subsumed(group, unknown);
      position = (position + 1) & mask;
    }
    // Unreachable: grow() keeps the table at most half full.
    base::invariant_failed(__FILE__, __LINE__, "free slot in the visited-state table");
  }

  uint64_t bytes() const {
    return groups_.size() * sizeof(Group) + group_words_.size() * sizeof(uint64_t) +
           set_words_.size() * sizeof(uint64_t) + set_next_.size() * sizeof(uint32_t) +
           table_.size() * sizeof(uint32_t);
  }

 private:
  struct Group {
    uint64_t hash;
    ValueId value;
    uint32_t first_set;
  };

  const uint64_t* group_definite(uint32_t group) const {
    return group_words_.data() + size_t{group} * definite_words_;
  }
  const uint64_t* set_unknown(uint32_t set) const {
    return set_words_.data() + size_t{set} * unknown_words_;
  }

  bool same_group(uint32_t group, const uint64_t* definite, uint64_t hash, ValueId value) const {
    const Group& g = groups_[group];
    return g.hash == hash && g.value == value &&
           std::memcmp(group_definite(group), definite, definite_words_ * sizeof(uint64_t)) == 0;
  }

  uint32_t add_group(const uint64_t* definite, uint64_t hash, ValueId value) {
    CHORUS_CHECK_INVARIANT(groups_.size() < kNone);
    groups_.push_back(Group{hash, value, kNone});
    group_words_.insert(group_words_.end(), definite, definite + definite_words_);
    return static_cast<uint32_t>(groups_.size() - 1);
  }

  void add_set(uint32_t group, const uint64_t* unknown) {
    CHORUS_CHECK_INVARIANT(set_next_.size() < kNone);
    set_words_.insert(set_words_.end(), unknown, unknown + unknown_words_);
    set_next_.push_back(groups_[group].first_set);
    groups_[group].first_set = static_cast<uint32_t>(set_next_.size() - 1);
  }

  bool add_set_unless_subsumed(uint32_t group, const uint64_t* unknown) {
    for (uint32_t set = groups_[group].first_set; set != kNone; set = set_next_[set]) {
      if (is_subset(set_unknown(set), unknown, unknown_words_)) return false;
    }
    // Sets the new one subsumes can never prune anything it would not: unlink them so the list
    // stays an antichain and short. Their words stay in the arena until the key is done.
    uint32_t* link = &groups_[group].first_set;
    while (*link != kNone) {
      if (is_subset(unknown, set_unknown(*link), unknown_words_)) {
        *link = set_next_[*link];
      } else {
        link = &set_next_[*link];
      }
    }
    add_set(group, unknown);
    return true;
  }

  void grow() {
    std::vector<uint32_t> bigger(table_.size() * 2, kNone);
    const size_t mask = bigger.size() - 1;
    for (uint32_t group = 0; group < groups_.size(); ++group) {
      size_t position = groups_[group].hash & mask;
      while (bigger[position] != kNone) position = (position + 1) & mask;
      bigger[position] = group;
    }
    table_ = std::move(bigger);
  }

  size_t definite_words_;
  size_t unknown_words_;
  std::vector<Group> groups_;
  std::vector<uint64_t> group_words_;
  std::vector<uint64_t> set_words_;
  std::vector<uint32_t> set_next_;
  // Open addressing, linear probing; holds group indexes, kNone when free. Load stays <= 1/2.
  std::vector<uint32_t> table_;
};

enum class Verdict { kLinearizable, kNotLinearizable, kTimedOut };

// The furthest the search got: it explains a failure better than wherever the search ended.
struct Deepest {
  uint32_t definite_linearized = 0;
  // Operations (indexes into KeyHistory::ops) in the order they were linearized.
  std::vector<uint32_t> order;
  // The definite operation whose return was reached while it was still not linearized.
  uint32_t blocked_op = kNone;
};

struct KeyVerdict {
  Verdict verdict = Verdict::kLinearizable;
  uint64_t steps = 0;
  uint32_t most_definite_linearized = 0;
  Deepest deepest;
  std::string limit_hit;
};

// Wing & Gong's search over one key's history as in Porcupine: the definite operations' calls and
// returns form a doubly linked list in time order. Walking it from the head, a call whose
// operation matches the register is linearized (its call and return are lifted out of the list)
// and the walk restarts; reaching a return means that operation's deadline passed while it was
// still pending, so the last choice is undone. Iterative, with an explicit stack.
//
// Unknown operations never return, so they sit in a second list of calls and are tried only
// after every definite candidate of a state: states that use fewer of them are then visited
// first, which is what lets VisitedStates' subsumption prune the others.
class KeySearch {
 public:
  KeySearch(const KeyHistory& history, const CheckLimits& limits)
      : history_(history),
        limits_(limits),
        definite_(words_for(history.definite_count), 0),
        unknown_(words_for(history.unknown_count), 0),
        visited_(definite_.size(), unknown_.size()) {
    build_entries();
    slot_hashes_.reserve(history.definite_count);
    for (uint32_t slot = 0; slot < history.definite_count; ++slot) {
      slot_hashes_.push_back(mix64(slot));
    }
  }

  KeyVerdict run() {
    KeyVerdict verdict;
    while (definite_linearized_ < history_.definite_count) {
      if (verdict.steps >= limits_.max_search_steps_per_key) {
        verdict.verdict = Verdict::kTimedOut;
        verdict.limit_hit = fmt::format("{} search steps", limits_.max_search_steps_per_key);
        break;
      }
      if (visited_.bytes() > limits_.max_memo_bytes_per_key) {
        verdict.verdict = Verdict::kTimedOut;
        verdict.limit_hit =
            fmt::format("{} bytes of visited states", limits_.max_memo_bytes_per_key);
        break;
      }
      ++verdict.steps;
      if (!step(&verdict.steps)) {
        verdict.verdict = Verdict::kNotLinearizable;
        break;
      }
    }
    if (verdict.verdict == Verdict::kLinearizable) {
      CHORUS_CHECK_INVARIANT(definite_linearized_ == history_.definite_count);
      CHORUS_CHECK_INVARIANT(stack_.size() >= definite_linearized_);
    }
    verdict.most_definite_linearized = most_definite_linearized_;
    verdict.deepest = std::move(deepest_);
    return verdict;
  }

 private:
  // Sentinels of the two lists.
  static constexpr uint32_t kHead = 0;
  static constexpr uint32_t kTail = 1;
  static constexpr uint32_t kUnknownHead = 2;
  static constexpr uint32_t kUnknownTail = 3;
  static constexpr uint32_t kFirstEntry = 4;

  // Where the walk of the current state is.
  enum class Phase : uint8_t {
    kEnter,     // just entered: look for a read to force
    kDefinite,  // walking the definite list at cursor_
    kUnknown,   // walking the unknown calls at cursor_, up to the deadline of blocked_
  };

  struct Entry {
    uint64_t time;
    uint32_t op;
    // A definite call's return entry; kNone otherwise.
    uint32_t match;
    bool is_call;
  };

  struct Forced {
    bool value;
  };

  struct Frame {
    uint32_t call_entry;
    ValueId value_before;
    // For an unknown operation: the return entry that bounded the walk it was taken in.
    uint32_t blocked;
    // Taken as the only child worth exploring in its state (see applicable_read), so undoing it
    // means that state has failed too.
    bool forced;
  };

  static size_t words_for(uint32_t bits) { return (size_t{bits} + 63) / 64; }

  // One move of the walk. False when the whole search space is exhausted.
  bool step(uint64_t* steps) {
    switch (phase_) {
      case Phase::kEnter: {
        const uint32_t read = applicable_read(steps);
        if (read == kNone) {
          phase_ = Phase::kDefinite;
          cursor_ = next_[kHead];
          return true;
        }
        if (take(read, Forced{true})) return true;
        return backtrack();
      }
      case Phase::kDefinite:
        // A definite operation is pending, so its return entry lies ahead of the cursor.
        CHORUS_CHECK_INVARIANT(cursor_ != kTail);
        if (entries_[cursor_].is_call) {
          if (!take(cursor_, Forced{false})) cursor_ = next_[cursor_];
          return true;
        }
        blocked_ = cursor_;
        phase_ = Phase::kUnknown;
        cursor_ = next_[kUnknownHead];
        return true;
      case Phase::kUnknown:
        // Calls sort before returns at the same time, hence <=.
        if (cursor_ != kUnknownTail && entries_[cursor_].time <= entries_[blocked_].time) {
          if (!take(cursor_, Forced{false})) cursor_ = next_[cursor_];
          return true;
        }
        // The blocked operation's return is reached while it is still not linearized.
        record_deepest(entries_[blocked_].op);
        return backtrack();
    }
    return false;
  }

  void build_entries() {
    struct Event {
      uint64_t time;
      bool is_return;
      uint32_t op;
    };
    std::vector<Event> definite_events;
    std::vector<Event> unknown_calls;
    definite_events.reserve(history_.definite_count * 2);
    unknown_calls.reserve(history_.unknown_count);
    for (uint32_t op = 0; op < history_.ops.size(); ++op) {
      const KvOperation& operation = (*history_.history)[history_.ops[op].history_index];
      if (history_.ops[op].definite) {
        definite_events.push_back(Event{operation.call_time, false, op});
        definite_events.push_back(Event{operation.return_time, true, op});
      } else {
        unknown_calls.push_back(Event{operation.call_time, false, op});
      }
    }
    // Calls sort before returns at the same time: operations that touch at one instant count as
    // concurrent, the lenient reading of a clock with coarse ticks.
    auto by_time = [](const Event& a, const Event& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.is_return != b.is_return) return !a.is_return;
      return a.op < b.op;
    };
    std::sort(definite_events.begin(), definite_events.end(), by_time);
    std::sort(unknown_calls.begin(), unknown_calls.end(), by_time);
    CHORUS_CHECK_INVARIANT(definite_events.size() + unknown_calls.size() + kFirstEntry < kNone);

    entries_.assign(kFirstEntry, Entry{0, kNone, kNone, false});
    next_.assign(kFirstEntry, kNone);
    prev_.assign(kFirstEntry, kNone);
    std::vector<uint32_t> return_entry(history_.ops.size(), kNone);
    auto append = [&](uint32_t head, uint32_t tail, const std::vector<Event>& events) {
      uint32_t last = head;
      for (const Event& event : events) {
        const uint32_t entry = static_cast<uint32_t>(entries_.size());
        entries_.push_back(Entry{event.time, event.op, kNone, !event.is_return});
        if (event.is_return) return_entry[event.op] = entry;
        next_.push_back(kNone);
        prev_.push_back(last);
        next_[last] = entry;
        last = entry;
      }
      next_[last] = tail;
      prev_[tail] = last;
    };
    append(kHead, kTail, definite_events);
    append(kUnknownHead, kUnknownTail, unknown_calls);
    for (uint32_t entry = kFirstEntry; entry < entries_.size(); ++entry) {
      if (entries_[entry].is_call) entries_[entry].match = return_entry[entries_[entry].op];
    }
  }

  void unlink(uint32_t entry) {
    next_[prev_[entry]] = next_[entry];
    prev_[next_[entry]] = prev_[entry];
  }
  // Dancing links: valid only in exact reverse order of the unlinks, which the stack guarantees.
  void relink(uint32_t entry) {
    next_[prev_[entry]] = entry;
    prev_[next_[entry]] = entry;
  }
  void lift(uint32_t call_entry) {
    unlink(call_entry);
    if (entries_[call_entry].match != kNone) unlink(entries_[call_entry].match);
  }
  void unlift(uint32_t call_entry) {
    if (entries_[call_entry].match != kNone) relink(entries_[call_entry].match);
    relink(call_entry);
  }

  // A definite operation that only reads (get, cas that did not swap) and matches the register
  // can be linearized right now without losing anything: in any valid order that puts it later,
  // moving it here changes no state the operations in between see, and it breaks no real-time
  // constraint, because being a candidate means no pending operation returned before its call.
  // So a state with such a read has one child to explore, not one per candidate.
  uint32_t applicable_read(uint64_t* steps) const {
    for (uint32_t entry = next_[kHead]; entries_[entry].is_call; entry = next_[entry]) {
      ++*steps;
      const KeyOp& op = history_.ops[entries_[entry].op];
      const bool reads_only =
          op.kind == KvOpKind::kGet || (op.kind == KvOpKind::kCas && !op.cas_succeeded);
      if (reads_only && apply(op, value_) != kContradiction) return entry;
    }
    return kNone;
  }

  // Linearizes the operation of call_entry if it matches the register and leads somewhere new.
  bool take(uint32_t call_entry, Forced forced) {
    const KeyOp& op = history_.ops[entries_[call_entry].op];
    const ValueId next_value = apply(op, value_);
    if (next_value == kContradiction || overwrites_unknown_on_top(op)) return false;
    if (!mark(op, next_value)) return false;
    stack_.push_back(Frame{call_entry, value_, blocked_, forced.value});
    value_ = next_value;
    lift(call_entry);
    phase_ = Phase::kEnter;
    return true;
  }

  // Undoes the last free choice, and the forced ones above it, and resumes the walk of the state
  // it returns to after that choice. False when there is no choice left to undo.
  bool backtrack() {
    while (!stack_.empty()) {
      const Frame frame = stack_.back();
      stack_.pop_back();
      value_ = frame.value_before;
      const KeyOp& op = history_.ops[entries_[frame.call_entry].op];
      unmark(op);
      unlift(frame.call_entry);
      if (!frame.forced) {
        phase_ = op.definite ? Phase::kDefinite : Phase::kUnknown;
        blocked_ = frame.blocked;
        cursor_ = next_[frame.call_entry];
        return true;
      }
    }
    return false;
  }

  // A put or delete right after an unknown operation erases all trace of it, so the state reached
  // is the one reached by leaving the unknown operation out, with one more operation used up. The
  // state below the unknown operation tries the put or delete itself (it is a candidate there
  // too: unknown operations never hold back a return), so this branch cannot find anything new.
  // Without this, k pending unknown writes make refuting a history cost on the order of 2^k.
  bool overwrites_unknown_on_top(const KeyOp& op) const {
    if (op.kind != KvOpKind::kPut && op.kind != KvOpKind::kDelete) return false;
    return !stack_.empty() && !history_.ops[entries_[stack_.back().call_entry].op].definite;
  }

  void flip(const KeyOp& op) {
    std::vector<uint64_t>& bits = op.definite ? definite_ : unknown_;
    bits[op.slot / 64] ^= uint64_t{1} << (op.slot % 64);
    if (op.definite) definite_hash_ ^= slot_hashes_[op.slot];
  }

  // Adds op to the linearized sets unless the resulting state was explored already.
  bool mark(const KeyOp& op, ValueId next_value) {
    flip(op);
    if (!visited_.visit(definite_.data(), definite_hash_, unknown_.data(), next_value)) {
      flip(op);
      return false;
    }
    if (op.definite) ++definite_linearized_;
    most_definite_linearized_ = std::max(most_definite_linearized_, definite_linearized_);
    return true;
  }

  void unmark(const KeyOp& op) {
    flip(op);
    if (op.definite) --definite_linearized_;
  }

  void record_deepest(uint32_t blocked_op) {
    if (deepest_.blocked_op != kNone && definite_linearized_ <= deepest_.definite_linearized) {
      return;
    }
    deepest_.definite_linearized = definite_linearized_;
    deepest_.blocked_op = blocked_op;
    deepest_.order.clear();
    for (const Frame& frame : stack_) deepest_.order.push_back(entries_[frame.call_entry].op);
    // Unknown operations taken last explain nothing (they were tried and did not help), and
    // without them the order is still a consistent prefix.
    while (!deepest_.order.empty() && !history_.ops[deepest_.order.back()].definite) {
      deepest_.order.pop_back();
    }
  }

  const KeyHistory& history_;
  const CheckLimits& limits_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> next_;
  std::vector<uint32_t> prev_;
  std::vector<uint64_t> definite_;
  std::vector<uint64_t> unknown_;
  // XOR of slot_hashes_ over the bits set in definite_, kept in step with it.
  uint64_t definite_hash_ = 0;
  std::vector<uint64_t> slot_hashes_;
  // The register after the operations on the stack.
  ValueId value_ = kAbsent;
  uint32_t definite_linearized_ = 0;
  uint32_t most_definite_linearized_ = 0;
  Phase phase_ = Phase::kEnter;
  uint32_t cursor_ = kNone;
  // In Phase::kUnknown: the first return entry of the definite list, whose time bounds which
  // unknown calls are candidates.
  uint32_t blocked_ = kNone;
  std::vector<Frame> stack_;
  VisitedStates visited_;
  Deepest deepest_;
};

std::string quote(std::string_view text) {
  if (text.size() <= kQuotedBytesMax) return fmt::format("{:?}", text);
  return fmt::format("{:?}...({} bytes)", text.substr(0, kQuotedBytesMax - 8), text.size());
}

std::string show_register(const KeyHistory& history, ValueId value) {
  return value == kAbsent ? std::string("absent") : quote(history.values[value]);
}

const KvOperation& operation_of(const KeyHistory& history, uint32_t op) {
  return (*history.history)[history.ops[op].history_index];
}

// The order found, ending in the register value it leaves; only its tail, which is what sets the
// state the blocked operation meets.
std::string explain_order(const KeyHistory& history, const Deepest& deepest, ValueId* final_value) {
  std::string out;
  ValueId value = kAbsent;
  const size_t shown_from =
      deepest.order.size() > kOrderLinesMax ? deepest.order.size() - kOrderLinesMax : 0;
  if (shown_from > 0) out += fmt::format("     ... {} earlier operations\n", shown_from);
  for (size_t position = 0; position < deepest.order.size(); ++position) {
    const uint32_t op = deepest.order[position];
    value = apply(history.ops[op], value);
    CHORUS_CHECK_INVARIANT(value != kContradiction);
    if (position < shown_from) continue;
    out += fmt::format("  L{:<3} #{} {}  => register {}\n", position + 1,
                       history.ops[op].history_index, describe(operation_of(history, op)),
                       show_register(history, value));
  }
  *final_value = value;
  return out;
}

// The operations of the key around the failure: from the earliest call among what was still
// pending at the deepest point (and the last few operations of the order, which set the register)
// up to the blocked operation's return.
std::string explain_window(const KeyHistory& history, const Deepest& deepest) {
  const uint64_t window_end = operation_of(history, deepest.blocked_op).return_time;
  std::vector<uint32_t> position_in_order(history.ops.size(), 0);
  for (size_t position = 0; position < deepest.order.size(); ++position) {
    position_in_order[deepest.order[position]] = static_cast<uint32_t>(position + 1);
  }
  uint64_t window_start = operation_of(history, deepest.blocked_op).call_time;
  for (uint32_t op = 0; op < history.ops.size(); ++op) {
    const KvOperation& operation = operation_of(history, op);
    const bool pending =
        position_in_order[op] == 0 && history.ops[op].definite && operation.call_time <= window_end;
    const bool sets_register = position_in_order[op] + 3 > deepest.order.size();
    if (pending || (position_in_order[op] != 0 && sets_register)) {
      window_start = std::min(window_start, operation.call_time);
    }
  }
  std::vector<uint32_t> shown;
  for (uint32_t op = 0; op < history.ops.size(); ++op) {
    const KvOperation& operation = operation_of(history, op);
    const bool overlaps = operation.call_time <= window_end &&
                          (!history.ops[op].definite || operation.return_time >= window_start);
    if (overlaps || op == deepest.blocked_op) shown.push_back(op);
  }
  std::sort(shown.begin(), shown.end(), [&](uint32_t a, uint32_t b) {
    const uint64_t call_a = operation_of(history, a).call_time;
    const uint64_t call_b = operation_of(history, b).call_time;
    return call_a != call_b ? call_a < call_b : a < b;
  });
  size_t omitted = 0;
  if (shown.size() > kWindowLinesMax) {
    // Keep the latest calls, nearest the failure, and always the blocked operation.
    omitted = shown.size() - kWindowLinesMax;
    std::vector<uint32_t> kept(shown.end() - kWindowLinesMax, shown.end());
    if (std::find(kept.begin(), kept.end(), deepest.blocked_op) == kept.end()) {
      kept.erase(kept.begin());
      kept.insert(kept.begin(), deepest.blocked_op);
    }
    shown = std::move(kept);
  }
  std::string out = fmt::format(
      "Operations on {} overlapping [{}, {}], by call time (Ln: position in the order above; "
      "!!: the operation that cannot be linearized):\n",
      quote(history.key), window_start, window_end);
  if (omitted > 0) out += fmt::format("     ... {} earlier-called operations omitted\n", omitted);
  for (uint32_t op : shown) {
    std::string mark = op == deepest.blocked_op     ? std::string("!!")
                       : position_in_order[op] != 0 ? fmt::format("L{}", position_in_order[op])
                                                    : std::string();
    out += fmt::format("  {:<4} #{} {}\n", mark, history.ops[op].history_index,
                       describe(operation_of(history, op)));
  }
  return out;
}

std::string explain_violation(const KeyHistory& history, const Deepest& deepest) {
  CHORUS_CHECK_INVARIANT(deepest.blocked_op != kNone);
  const KeyOp& blocked = history.ops[deepest.blocked_op];
  const KvOperation& operation = operation_of(history, deepest.blocked_op);
  std::string out = fmt::format(
      "key {} is not linearizable: operation #{} cannot take effect by its return at {}.\n"
      "  !!   #{} {}\n",
      quote(history.key), blocked.history_index, operation.return_time, blocked.history_index,
      describe(operation));
  const size_t unknown_in_order =
      static_cast<size_t>(std::count_if(deepest.order.begin(), deepest.order.end(),
                                        [&](uint32_t op) { return !history.ops[op].definite; }));
  out += fmt::format(
      "One longest consistent order found linearizes {} of the {} operations on {} that must "
      "take effect{}{}\n",
      deepest.definite_linearized, history.definite_count, quote(history.key),
      unknown_in_order == 0 ? std::string()
                            : fmt::format(", and {} of unknown outcome", unknown_in_order),
      deepest.order.empty() ? "." : ":");
  ValueId value = kAbsent;
  out += explain_order(history, deepest, &value);
  out += fmt::format(
      "From there (register {}), no operation still pending can be ordered next in a way that "
      "lets #{} take effect; every other order gets stuck as early or earlier.\n",
      show_register(history, value), blocked.history_index);
  out += explain_window(history, deepest);
  return out;
}

std::string explain_timeout(const KeyHistory& history, const KeyVerdict& verdict) {
  return fmt::format(
      "key {}: inconclusive, the search stopped at its limit of {} after {} steps; at most {} of "
      "the {} operations that must take effect were linearized. Raise CheckLimits or check a "
      "shorter history.\n",
      quote(history.key), verdict.limit_hit, verdict.steps, verdict.most_definite_linearized,
      history.definite_count);
}

}  // namespace

LinearizabilityResult check_kv_linearizable(const std::vector<KvOperation>& history,
                                            const CheckLimits& limits) {
  CHORUS_CHECK_INVARIANT(history.size() < kNone);
  // P-compositionality (Herlihy & Wing, Theorem 1): a history is linearizable iff each key's
  // sub-history is, so keys are searched separately and the search stays exponential only in a
  // single key's concurrency. std::map makes the order of keys, hence the report, deterministic.
  std::map<std::string_view, std::vector<uint32_t>> by_key;
  for (uint32_t index = 0; index < history.size(); ++index) {
    const KvOperation& operation = history[index];
    if (operation.outcome == KvOutcome::kOk) {
      CHORUS_CHECK_INVARIANT(operation.call_time <= operation.return_time);
    }
    if (operation.outcome == KvOutcome::kFailed) continue;
    if (operation.outcome == KvOutcome::kUnknown && operation.kind == KvOpKind::kGet) continue;
    by_key[operation.key].push_back(index);
  }

  LinearizabilityResult result;
  std::string timed_out_key;
  std::string timed_out_explanation;
  for (const auto& [key, indexes] : by_key) {
    const KeyHistory key_history = compile_key(key, history, indexes);
    result.operations_checked += key_history.ops.size();
    KeySearch search(key_history, limits);
    const KeyVerdict verdict = search.run();
    result.search_steps += verdict.steps;
    if (verdict.verdict == Verdict::kNotLinearizable) {
      result.linearizable = false;
      result.timed_out = false;
      result.key = std::string(key);
      result.explanation = explain_violation(key_history, verdict.deepest);
      return result;
    }
    if (verdict.verdict == Verdict::kTimedOut && !result.timed_out) {
      result.timed_out = true;
      timed_out_key = std::string(key);
      timed_out_explanation = explain_timeout(key_history, verdict);
    }
  }
  if (result.timed_out) {
    result.linearizable = false;
    result.key = std::move(timed_out_key);
    result.explanation = std::move(timed_out_explanation);
  }
  return result;
}

std::string describe(const KvOperation& operation) {
  std::string call;
  std::string response;
  switch (operation.kind) {
    case KvOpKind::kGet:
      call = fmt::format("get({})", quote(operation.key));
      response = operation.found ? quote(operation.read_value) : std::string("absent");
      break;
    case KvOpKind::kPut:
      call = fmt::format("put({}, {})", quote(operation.key), quote(operation.value));
      response = "ok";
      break;
    case KvOpKind::kCas:
      call = fmt::format("cas({}, {} -> {})", quote(operation.key),
                         operation.expected ? quote(*operation.expected) : std::string("absent"),
                         quote(operation.value));
      response = operation.cas_succeeded ? "swapped" : "not swapped";
      break;
    case KvOpKind::kDelete:
      call = fmt::format("delete({})", quote(operation.key));
      response = "ok";
      break;
  }
  switch (operation.outcome) {
    case KvOutcome::kOk:
      return fmt::format("client {}: {} -> {} [call {}, return {}]", operation.client, call,
                         response, operation.call_time, operation.return_time);
    case KvOutcome::kFailed:
      return fmt::format("client {}: {} -> failed, no effect [call {}, return {}]",
                         operation.client, call, operation.call_time, operation.return_time);
    case KvOutcome::kUnknown:
      return fmt::format("client {}: {} -> unknown [call {}, no return]", operation.client, call,
                         operation.call_time);
  }
  return call;
}

}  // namespace chorus::check
