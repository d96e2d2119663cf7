// chorus kv / chorus cluster: an etcd v3 client on the command line, for people without etcdctl.
// Flags, output ("simple") and exit status follow etcdctl's, so etcd users feel at home: errors go
// to stderr as "Error: <message>" and exit with status 1.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.h"
#include "client/client.h"
#include "client/etcdctl_format.h"
#include "client/requests.h"
#include "client/txn_syntax.h"

namespace chorus::cli {
namespace {

using client::Client;
namespace format = client::format;

// Flags every kv and cluster command takes (etcdctl's global flags of the same names).
struct GlobalFlags {
  std::string endpoints = "127.0.0.1:2379";
  std::string dial_timeout = "2s";
  std::string command_timeout = "5s";
  std::string write_out = "simple";
  bool json() const { return write_out == "json"; }
};

int fail(const std::string& message) {
  std::cerr << "Error: " << message << "\n";
  return 1;
}

int fail(const grpc::Status& status) {
  return fail(status.error_message());
}

// Go's duration syntax as etcdctl takes it, limited to what people write: "500ms", "2s", "1m",
// "1.5s". A bare number is seconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || number < 0) return {};
  const std::string unit(end, text.data() + text.size());
  double scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s" || unit.empty()) scale = 1000;
  if (unit == "m") scale = 60'000;
  if (scale == 0) return {};
  return std::chrono::milliseconds(static_cast<std::int64_t>(number * scale));
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// The client for one command, or the message that says why the flags do not make one.
std::variant<std::unique_ptr<Client>, std::string> make_client(const GlobalFlags& flags) {
  const auto dial = parse_duration(flags.dial_timeout);
  const auto command = parse_duration(flags.command_timeout);
  if (!dial) return "bad --dial-timeout " + flags.dial_timeout;
  if (!command) return "bad --command-timeout " + flags.command_timeout;
  client::ClientOptions options;
  options.endpoints = split_commas(flags.endpoints);
  if (options.endpoints.empty()) return std::string("no endpoints given");
  options.dial_timeout = *dial;
  options.request_timeout = *command;
  return std::make_unique<Client>(std::move(options));
}

// Runs `body` with a client built from the global flags; the job of every command below.
template <typename Body>
Job with_client(const GlobalFlags& flags, Body body) {
  return [&flags, body]() -> int {
    auto made = make_client(flags);
    if (auto* message = std::get_if<std::string>(&made)) return fail(*message);
    return body(*std::get<std::unique_ptr<Client>>(made));
  };
}

// Prints a response in the chosen format; `simple` is its etcdctl-style text.
int print(const GlobalFlags& flags, const google::protobuf::Message& response,
          const std::string& simple) {
  std::cout << (flags.json() ? format::json(response) : simple) << std::flush;
  return 0;
}

void add_global_flags(CLI::App& command, GlobalFlags& flags) {
  command.add_option("--endpoints", flags.endpoints, "gRPC endpoints, comma separated")
      ->capture_default_str();
  command.add_option("--dial-timeout", flags.dial_timeout, "dial timeout per endpoint (e.g. 2s)")
      ->capture_default_str();
  command
      .add_option("--command-timeout", flags.command_timeout, "deadline of each request (e.g. 5s)")
      ->capture_default_str();
  command.add_option("-w,--write-out", flags.write_out, "output format: simple or json")
      ->check(CLI::IsMember({"simple", "json"}))
      ->capture_default_str();
  // So that the flags may come after the subcommand too: `chorus kv get k --endpoints=...`.
  command.fallthrough();
}

// ---- kv ------------------------------------------------------------------------------------

void add_put(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  auto* put = kv.add_subcommand("put", "Puts the given key into the store");
  auto options = std::make_shared<client::PutOptions>();
  auto lease = std::make_shared<std::string>();
  put->add_option("key", options->key, "key")->required();
  put->add_option("value", options->value, "value")->required();
  put->add_option("--lease", *lease, "lease ID (in hexadecimal) to attach to the key");
  put->add_flag("--prev-kv", options->prev_kv, "print the previous key-value pair");
  put->callback([&job, &flags, options, lease] {
    job = with_client(flags, [&flags, options, lease](Client& client) {
      if (!lease->empty()) {
        const auto id = client::parse_hex_id(*lease);
        if (!id) return fail("bad lease ID (" + *lease + "), expecting ID in Hex");
        options->lease = *id;
      }
      auto response = client.put(client::make_put_request(*options));
      if (!response.ok()) return fail(response.error());
      return print(flags, *response, format::simple_put(*response));
    });
  });
}

void add_get(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  auto* get = kv.add_subcommand("get", "Gets the key or a range of keys");
  auto options = std::make_shared<client::GetOptions>();
  auto range_end = std::make_shared<std::string>();
  auto value_only = std::make_shared<bool>(false);
  get->add_option("key", options->key, "key")->required();
  get->add_option("range_end", *range_end, "end of the range [key, range_end)");
  get->add_flag("--prefix", options->prefix, "get keys with matching prefix");
  get->add_flag("--from-key", options->from_key, "get keys greater than or equal to the key");
  get->add_option("--limit", options->limit, "maximum number of results");
  get->add_option("--rev", options->revision, "the revision to read at");
  get->add_flag("--keys-only", options->keys_only, "get only the keys");
  get->add_flag("--count-only", options->count_only, "get only the count");
  get->add_flag("--serializable", options->serializable, "read from the local member");
  get->add_option("--sort-by", options->sort_by, "CREATE, KEY, MODIFY, VALUE or VERSION");
  get->add_option("--order", options->order, "ASCEND or DESCEND");
  get->add_flag("--print-value-only", *value_only, "print only values (simple output)");
  get->callback([&job, &flags, get, options, range_end, value_only] {
    if (get->count("range_end") > 0) options->range_end = *range_end;
    job = with_client(flags, [&flags, options, value_only](Client& client) {
      auto request = client::make_range_request(*options);
      if (!request.ok()) return fail(request.error());
      auto response = client.range(*request);
      if (!response.ok()) return fail(response.error());
      const format::RangeStyle style{.value_only = *value_only, .count_only = options->count_only};
      return print(flags, *response, format::simple_range(*response, style));
    });
  });
}

void add_del(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  auto* del = kv.add_subcommand("del", "Removes the key or a range of keys");
  auto options = std::make_shared<client::DeleteOptions>();
  auto range_end = std::make_shared<std::string>();
  del->add_option("key", options->key, "key")->required();
  del->add_option("range_end", *range_end, "end of the range [key, range_end)");
  del->add_flag("--prefix", options->prefix, "delete keys with matching prefix");
  del->add_flag("--from-key", options->from_key, "delete keys greater than or equal to the key");
  del->add_flag("--prev-kv", options->prev_kv, "print the deleted key-value pairs");
  del->callback([&job, &flags, del, options, range_end] {
    if (del->count("range_end") > 0) options->range_end = *range_end;
    job = with_client(flags, [&flags, options](Client& client) {
      auto request = client::make_delete_request(*options);
      if (!request.ok()) return fail(request.error());
      auto response = client.delete_range(*request);
      if (!response.ok()) return fail(response.error());
      return print(flags, *response, format::simple_delete(*response));
    });
  });
}

struct WatchFlags {
  std::string key;
  std::string range_end;
  bool prefix = false;
  std::int64_t revision = 0;
  bool prev_kv = false;
  std::int64_t max_events = 0;  // 0: until interrupted
};

// Prints events as they come; stops after max_events events when that is set.
int run_watch(Client& client, const GlobalFlags& flags, const WatchFlags& watch) {
  etcdserverpb::WatchCreateRequest request;
  request.set_key(watch.key);
  if (!watch.range_end.empty()) request.set_range_end(watch.range_end);
  if (watch.prefix) request.set_range_end(client::prefix_range_end(watch.key));
  request.set_start_revision(watch.revision);
  request.set_prev_kv(watch.prev_kv);
  std::int64_t events_seen = 0;
  const auto status = client.watch(request, [&](const etcdserverpb::WatchResponse& response) {
    if (response.events().empty()) return true;  // "created", progress notifications
    if (flags.json()) std::cout << format::json(response);
    for (const auto& event : response.events()) {
      if (!flags.json()) std::cout << format::simple_watch_event(event);
      ++events_seen;
    }
    std::cout << std::flush;
    return watch.max_events == 0 || events_seen < watch.max_events;
  });
  if (!status.ok()) return fail("watch was canceled (" + status.error_message() + ")");
  return 0;
}

void add_watch(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  auto* watch = kv.add_subcommand("watch", "Watches events on the key or prefix");
  auto options = std::make_shared<WatchFlags>();
  watch->add_option("key", options->key, "key")->required();
  watch->add_option("range_end", options->range_end, "end of the range [key, range_end)");
  watch->add_flag("--prefix", options->prefix, "watch on a prefix");
  watch->add_option("--rev", options->revision, "revision to start watching from");
  watch->add_flag("--prev-kv", options->prev_kv, "print the previous key-value pair");
  watch->add_option("--max-events", options->max_events, "exit after this many events (0: never)");
  watch->callback([&job, &flags, options] {
    job = with_client(
        flags, [&flags, options](Client& client) { return run_watch(client, flags, *options); });
  });
}

void add_txn(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  kv.add_subcommand("txn",
                    "Txn from stdin: compares, blank line, success ops, blank line, failure ops")
      ->callback([&job, &flags] {
        job = with_client(flags, [&flags](Client& client) {
          auto request = client::parse_txn(std::cin);
          if (!request.ok()) return fail(request.error());
          auto response = client.txn(*request);
          if (!response.ok()) return fail(response.error());
          return print(flags, *response, format::simple_txn(*response));
        });
      });
}

void add_compact(CLI::App& kv, Job& job, const GlobalFlags& flags) {
  auto* compact = kv.add_subcommand("compact", "Compacts the event history in etcd");
  auto revision = std::make_shared<std::int64_t>(0);
  auto physical = std::make_shared<bool>(false);
  compact->add_option("revision", *revision, "revision to compact to")->required();
  compact->add_flag("--physical", *physical, "wait until the compaction is on disk");
  compact->callback([&job, &flags, revision, physical] {
    job = with_client(flags, [&flags, revision, physical](Client& client) {
      auto response = client.compact(*revision, *physical);
      if (!response.ok()) return fail(response.error());
      return print(flags, *response, fmt::format("compacted revision {}\n", *revision));
    });
  });
}

// ---- cluster -------------------------------------------------------------------------------

std::optional<std::uint64_t> parse_member_id(const std::string& text) {
  const auto id = client::parse_hex_id(text);
  if (!id) return {};
  return static_cast<std::uint64_t>(*id);
}

// etcdctl pads member and cluster IDs to 16 columns in these messages ("%16x").
std::string member_message(std::uint64_t id, const char* verb, std::uint64_t cluster_id) {
  return fmt::format("Member {:16x} {} cluster {:16x}\n", id, verb, cluster_id);
}

int print_status(Client& client, const GlobalFlags& flags) {
  int exit_status = 0;
  for (std::size_t index = 0; index < client.endpoint_count(); ++index) {
    const std::string& endpoint = client.endpoint(index);
    auto status = client.status_at(index);
    if (!status.ok()) {
      // etcdctl's wording; the other endpoints are still shown.
      std::cerr << "Failed to get the status of endpoint " << endpoint << " ("
                << status.error().error_message() << ")\n";
      exit_status = 1;
      continue;
    }
    if (flags.json()) {
      std::string body = format::json(*status);
      body.pop_back();  // its newline
      std::cout << fmt::format("{{\"endpoint\":\"{}\",\"status\":{}}}\n", endpoint, body);
    } else {
      std::cout << format::simple_status(endpoint, *status);
    }
  }
  return exit_status;
}

// The environment etcd needs to start the new member, as etcdctl member add prints it.
std::string member_add_text(const etcdserverpb::MemberAddResponse& response,
                            const std::string& name) {
  std::string out =
      member_message(response.member().id(), "added to", response.header().cluster_id());
  std::string initial_cluster;
  for (const auto& member : response.members()) {
    const std::string& member_name = member.id() == response.member().id() ? name : member.name();
    for (const auto& url : member.peerurls()) {
      initial_cluster += (initial_cluster.empty() ? "" : ",") + member_name + "=" + url;
    }
  }
  std::string peer_urls;
  for (const auto& url : response.member().peerurls()) {
    peer_urls += (peer_urls.empty() ? "" : ",") + url;
  }
  out += fmt::format("\nETCD_NAME=\"{}\"\nETCD_INITIAL_CLUSTER=\"{}\"\n", name, initial_cluster);
  out += fmt::format("ETCD_INITIAL_ADVERTISE_PEER_URLS=\"{}\"\n", peer_urls);
  out += "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
  return out;
}

void add_member_add(CLI::App& cluster, Job& job, const GlobalFlags& flags) {
  auto* add = cluster.add_subcommand("add", "Adds a member into the cluster");
  auto name = std::make_shared<std::string>();
  auto peer_urls = std::make_shared<std::string>();
  auto learner = std::make_shared<bool>(false);
  add->add_option("name", *name, "the new member's name")->required();
  add->add_option("--peer-urls", *peer_urls, "the new member's peer URLs, comma separated")
      ->required();
  add->add_flag("--learner", *learner, "add as a learner (a non-voting member)");
  add->callback([&job, &flags, name, peer_urls, learner] {
    job = with_client(flags, [&flags, name, peer_urls, learner](Client& client) {
      auto response = client.member_add(split_commas(*peer_urls), *learner);
      if (!response.ok()) return fail(response.error());
      return print(flags, *response, member_add_text(*response, *name));
    });
  });
}

// remove, promote, move-leader: one hex member ID, one call, one line of output.
template <typename Call>
void add_member_id_command(CLI::App& cluster, Job& job, const GlobalFlags& flags, const char* name,
                           const char* description, Call call) {
  auto* command = cluster.add_subcommand(name, description);
  auto id_text = std::make_shared<std::string>();
  command->add_option("id", *id_text, "member ID in hexadecimal")->required();
  command->callback([&job, &flags, id_text, call] {
    job = with_client(flags, [&flags, id_text, call](Client& client) {
      const auto id = parse_member_id(*id_text);
      if (!id) return fail("bad member ID arg (" + *id_text + "), expecting ID in Hex");
      return call(client, flags, *id);
    });
  });
}

void add_member_id_commands(CLI::App& cluster, Job& job, const GlobalFlags& flags) {
  add_member_id_command(cluster, job, flags, "remove", "Removes a member from the cluster",
                        [](Client& client, const GlobalFlags& global, std::uint64_t id) {
                          auto response = client.member_remove(id);
                          if (!response.ok()) return fail(response.error());
                          return print(
                              global, *response,
                              member_message(id, "removed from", response->header().cluster_id()));
                        });
  add_member_id_command(cluster, job, flags, "promote", "Promotes a learner to a voting member",
                        [](Client& client, const GlobalFlags& global, std::uint64_t id) {
                          auto response = client.member_promote(id);
                          if (!response.ok()) return fail(response.error());
                          return print(
                              global, *response,
                              member_message(id, "promoted in", response->header().cluster_id()));
                        });
  add_member_id_command(cluster, job, flags, "move-leader",
                        "Transfers leadership to another member",
                        [](Client& client, const GlobalFlags& global, std::uint64_t id) {
                          auto response = client.move_leader(id);
                          if (!response.ok()) return fail(response.error());
                          return print(global, *response,
                                       fmt::format("Leadership transferred from {} to {}\n",
                                                   format::hex_id(response->header().member_id()),
                                                   format::hex_id(id)));
                        });
}

void add_cluster_commands(CLI::App& cluster, Job& job, const GlobalFlags& flags) {
  cluster.add_subcommand("status", "Prints the status of each endpoint")->callback([&job, &flags] {
    job = with_client(flags, [&flags](Client& client) { return print_status(client, flags); });
  });
  cluster.add_subcommand("members", "Lists the members of the cluster")->callback([&job, &flags] {
    job = with_client(flags, [&flags](Client& client) {
      auto response = client.member_list();
      if (!response.ok()) return fail(response.error());
      return print(flags, *response, format::simple_members(*response));
    });
  });
  add_member_add(cluster, job, flags);
  add_member_id_commands(cluster, job, flags);
}

}  // namespace

void add_client_commands(CLI::App& app, Job& job) {
  // Lives as long as the app: the parsed flags are read when the job runs, after parsing.
  static GlobalFlags flags;
  auto* kv = app.add_subcommand("kv", "Reads and writes keys (etcd's KV and Watch services)");
  add_global_flags(*kv, flags);
  kv->require_subcommand(1);
  add_put(*kv, job, flags);
  add_get(*kv, job, flags);
  add_del(*kv, job, flags);
  add_watch(*kv, job, flags);
  add_txn(*kv, job, flags);
  add_compact(*kv, job, flags);

  auto* cluster = app.add_subcommand("cluster", "Membership and status of the cluster");
  add_global_flags(*cluster, flags);
  cluster->require_subcommand(1);
  add_cluster_commands(*cluster, job, flags);
}

}  // namespace chorus::cli
