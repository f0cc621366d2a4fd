// `tether ps` output from registry entries: a pure function of the list.
#include <gtest/gtest.h>

#include "cluster_view.hpp"

namespace tether::cli {
namespace {

ActorRecord record(std::string name, std::string uid, std::string parent, std::uint64_t started) {
  ActorRecord r;
  r.name = std::move(name);
  r.uid = std::move(uid);
  r.parent_uid = std::move(parent);
  r.host = "h";
  r.pid = 7;
  r.started_unix_ms = started;
  return r;
}

TEST(ClusterView, TheTreeNestsChildrenUnderTheirParentsInStartOrder) {
  const std::vector<ActorRecord> actors = {record("leaf", "3", "2", 30), record("root", "1", "", 10),
                                           record("mid", "2", "1", 20), record("sib", "4", "1", 25)};
  const std::string tree = format_tree(actors, 10'000);
  const auto root = tree.find("root");
  const auto mid = tree.find("├─ mid");
  const auto leaf = tree.find("│  └─ leaf");
  const auto sib = tree.find("└─ sib");
  ASSERT_NE(root, std::string::npos) << tree;
  ASSERT_NE(mid, std::string::npos) << tree;
  ASSERT_NE(leaf, std::string::npos) << tree;
  ASSERT_NE(sib, std::string::npos) << tree;
  EXPECT_LT(root, mid);
  EXPECT_LT(mid, leaf);
  EXPECT_LT(leaf, sib);
  EXPECT_NE(tree.find("10.0s"), std::string::npos) << tree;  // root's uptime
}

TEST(ClusterView, AnActorWhoseParentIsNotRegisteredIsShownAsARoot) {
  const std::string tree = format_tree({record("orphan", "9", "gone", 0)}, 0);
  EXPECT_NE(tree.find("\norphan"), std::string::npos) << tree;
}

TEST(ClusterView, JsonListsParentsChildrenAndEscapesNames) {
  const std::string json =
      format_json({record("a\"b", "1", "", 5), record("c", "2", "1", 6)}, "ipc://r", 10);
  EXPECT_NE(json.find(R"("name":"a\"b","uid":"1","incarnation":0,"parent":"")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("children":["2"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("parent":"1")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("uptime_ms":5)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("registry":"ipc://r")"), std::string::npos) << json;
}

TEST(ClusterView, AnEmptyClusterSaysSo) {
  EXPECT_EQ(format_tree({}, 0), "no actors registered\n");
  EXPECT_EQ(format_json({}, "r", 0), "{\"registry\":\"r\",\"actors\":[]}\n");
}

}  // namespace
}  // namespace tether::cli
