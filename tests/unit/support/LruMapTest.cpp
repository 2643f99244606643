// support::LruMap, the one least-recently-used map of the kernel and einsum plan caches: a find
// is a use, an insert past the capacity drops the least recently used, a held key is not
// replaced.
#include "support/LruMap.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace einjit::support {
namespace {

TEST(LruMap, DropsTheLeastRecentlyUsed) {
  LruMap<std::string, int> map(2);
  std::vector<int> dropped;
  auto collect = [&](int value) { dropped.push_back(value); };
  EXPECT_TRUE(map.insert("a", 1, collect));
  EXPECT_TRUE(map.insert("b", 2, collect));
  ASSERT_NE(map.find("a"), nullptr); // "b" is now the least recently used
  EXPECT_TRUE(map.insert("c", 3, collect));
  EXPECT_EQ(dropped, std::vector<int>{2});
  EXPECT_FALSE(map.contains("b"));
  EXPECT_EQ(*map.find("a"), 1);
  EXPECT_EQ(*map.find("c"), 3);
  EXPECT_EQ(map.size(), 2u);
}

TEST(LruMap, AHeldKeyKeepsItsValue) {
  LruMap<std::string, int> map(4);
  auto none = [](int) { FAIL() << "nothing is over capacity"; };
  EXPECT_TRUE(map.insert("a", 1, none));
  EXPECT_FALSE(map.insert("a", 7, none));
  EXPECT_EQ(*map.find("a"), 1);
  EXPECT_EQ(map.find("z"), nullptr);
}

TEST(LruMap, CapacityIsAtLeastOne) {
  LruMap<int, int> map(0);
  std::vector<int> dropped;
  map.insert(1, 10, [&](int value) { dropped.push_back(value); });
  map.insert(2, 20, [&](int value) { dropped.push_back(value); });
  EXPECT_EQ(map.capacity(), 1u);
  EXPECT_EQ(dropped, std::vector<int>{10});
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_FALSE(map.contains(2));
}

} // namespace
} // namespace einjit::support
