#include "cluster_view.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

namespace tether::cli {

namespace {

/// Children of each uid ("" collects the roots), sorted by start time then name.
std::map<std::string, std::vector<const ActorRecord*>> children_by_parent(
    const std::vector<ActorRecord>& actors) {
  std::set<std::string> known;
  for (const auto& a : actors) known.insert(a.uid);
  std::map<std::string, std::vector<const ActorRecord*>> children;
  for (const auto& a : actors)
    children[known.count(a.parent_uid) ? a.parent_uid : std::string()].push_back(&a);
  for (auto& [parent, list] : children)
    std::sort(list.begin(), list.end(), [](const ActorRecord* x, const ActorRecord* y) {
      return std::tie(x->started_unix_ms, x->name) < std::tie(y->started_unix_ms, y->name);
    });
  return children;
}

std::string uptime(std::uint64_t started, std::uint64_t now) {
  const double seconds = now > started ? static_cast<double>(now - started) / 1000.0 : 0.0;
  if (seconds < 120) return fmt::format("{:.1f}s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f}m", seconds / 60);
  return fmt::format("{:.1f}h", seconds / 3600);
}

/// What peers registered, safe to print: a control character cannot start a forged row.
std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return out;
}

/// A tree's own namespace is named after its root: shown as "(tree)".
std::string namespace_cell(const ActorRecord& actor, const std::string& root_uid) {
  if (actor.name_space.empty()) return "-";
  return actor.name_space == root_uid ? "(tree)" : printable(actor.name_space);
}

void print_subtree(std::string& out,
                   const std::map<std::string, std::vector<const ActorRecord*>>& children,
                   const ActorRecord& actor, const std::string& prefix, bool root, bool last,
                   const std::string& root_uid, std::uint64_t now) {
  const std::string branch = root ? "" : (last ? "└─ " : "├─ ");
  out += fmt::format("{:<32} {:<16} {:<16} {:>7} {:>8}  {}\n",
                     prefix + branch + printable(actor.name), printable(actor.uid),
                     printable(actor.host), actor.pid, uptime(actor.started_unix_ms, now),
                     namespace_cell(actor, root_uid));
  auto it = children.find(actor.uid);
  if (it == children.end()) return;
  const std::string next_prefix = root ? "" : prefix + (last ? "   " : "│  ");
  for (std::size_t i = 0; i < it->second.size(); ++i)
    print_subtree(out, children, *it->second[i], next_prefix, false, i + 1 == it->second.size(),
                  root_uid, now);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_string(items[i]);
  return out + "]";
}

}  // namespace

std::string format_tree(const std::vector<ActorRecord>& actors, std::uint64_t now_unix_ms) {
  if (actors.empty()) return "no actors registered\n";
  std::string out = fmt::format("{:<32} {:<16} {:<16} {:>7} {:>8}  {}\n", "NAME", "UID", "HOST",
                                "PID", "UPTIME", "NAMESPACE");
  const auto children = children_by_parent(actors);
  if (auto roots = children.find(""); roots != children.end())
    for (const auto* root : roots->second)
      print_subtree(out, children, *root, "", true, true, root->uid, now_unix_ms);
  return out;
}

std::string format_json(const std::vector<ActorRecord>& actors, const std::string& registry,
                        std::uint64_t now_unix_ms) {
  const auto children = children_by_parent(actors);
  std::string out = "{\"registry\":" + json_string(registry) + ",\"actors\":[";
  for (std::size_t i = 0; i < actors.size(); ++i) {
    const auto& a = actors[i];
    std::vector<std::string> kids;
    if (auto it = children.find(a.uid); it != children.end())
      for (const auto* c : it->second) kids.push_back(c->uid);
    out += fmt::format(
        "{}{{\"name\":{},\"uid\":{},\"incarnation\":{},\"parent\":{},\"host\":{},\"pid\":{},"
        "\"endpoints\":{},\"tags\":{},\"started_unix_ms\":{},\"uptime_ms\":{},\"children\":{},"
        "\"namespace\":{}}}",
        i ? "," : "", json_string(a.name), json_string(a.uid), a.incarnation,
        json_string(a.parent_uid), json_string(a.host), a.pid, json_strings(a.endpoints),
        json_strings(a.tags), a.started_unix_ms,
        now_unix_ms > a.started_unix_ms ? now_unix_ms - a.started_unix_ms : 0, json_strings(kids),
        json_string(a.name_space));
  }
  return out + "]}\n";
}

}  // namespace tether::cli
