// Identities of a cluster and its members, and the URLs they are reached at.
//
// A member id is a hash of the member's peer URLs and the cluster token, as etcd derives it
// (etcd also hashes the time for members added at runtime; we do not, so that a joining node can
// compute its own id from its flags: the price is that a member re-added with the same peer URLs
// gets its old id back, which MemberAdd allows explicitly for a wiped member; until that add,
// a removed id is refused, except while it leads: Node::refuse_removed_peers). The cluster id is a
// hash of the token alone, so founding and joining members agree on it without talking first: give
// each cluster its own --initial-cluster-token (etcd's docs ask the same), and peers of another
// cluster are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chorus::node {

uint64_t member_id(std::vector<std::string> peer_urls, const std::string& token);
uint64_t cluster_id(const std::string& token);

// An http(s)://host:port URL (or a bare host:port), split.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> parse_url(const std::string& url);
std::vector<std::string> split_list(const std::string& text, char separator = ',');

// "%x", the way etcd prints ids (etcdctl member list: no leading zeros).
std::string hex_id(uint64_t id);

}  // namespace chorus::node
