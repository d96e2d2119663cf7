#include "node/identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace chorus::node {

namespace {
// FNV-1a, 64 bits: stable across platforms and releases, which std::hash is not.
uint64_t fnv1a(const std::string& bytes, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}
}  // namespace

uint64_t member_id(std::vector<std::string> peer_urls, const std::string& token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string material;
  for (const std::string& url : peer_urls) material += url + "\n";
  material += token;
  const uint64_t id = fnv1a(material);
  return id == 0 ? 1 : id;  // 0 means "nobody" to Raft
}

uint64_t cluster_id(const std::string& token) {
  const uint64_t id = fnv1a("chorus-cluster\n" + token);
  return id == 0 ? 1 : id;
}

std::optional<HostPort> parse_url(const std::string& url) {
  std::string rest = url;
  for (const char* scheme : {"http://", "https://", "unix://"}) {
    if (rest.rfind(scheme, 0) == 0) rest = rest.substr(std::string(scheme).size());
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  HostPort out;
  out.host = rest.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  const std::string port = rest.substr(colon + 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(value);
  return out;
}

std::vector<std::string> split_list(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::string hex_id(uint64_t id) {
  return fmt::format("{:x}", id);
}

}  // namespace chorus::node
