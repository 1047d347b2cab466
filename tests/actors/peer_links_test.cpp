// Two nodes in one process, each with its own actor system and CAF middleman
// over mutual TLS on loopback: of each pair, the node whose id sorts first
// opens the one connection and introduces itself over it; the other answers
// from that introduction and never dials, and the link stays up both ways. (Two crossing
// connections would drop each other over CAF's TLS transport: see dials_peer.)
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/node_directory.hpp"
#include "actors/peer_links.hpp"
#include "actors/session_registry.hpp"
#include "runtime/actor_system.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_client.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

/// One node's side: its links and its directory (before a registry with no
/// actors), published on a free loopback port over TLS.
struct link_node {
  link_node(const std::string& id, const std::filesystem::path& certs,
            std::chrono::milliseconds wait_for_peer) {
    cfg.distributed(100ms, 2s);
    cfg.secured(certs / (id + ".pem"), certs / (id + ".key"), certs / "ca.pem");
    sys = std::make_unique<caf::actor_system>(cfg);
    links = spawn_peer_links(*sys, {.node_id = id, .wait_for_peer = wait_for_peer, .log = nullptr});
    registry = spawn_registry(*sys, id, nullptr, {}, links, {});
    directory = spawn_node_directory(*sys, registry, links);
    auto port = publish_on_cluster(*sys, directory, 0, "127.0.0.1");
    EXPECT_TRUE(port) << sys->render(port.error());
    address = "127.0.0.1:" + std::to_string(port ? *port : 0);
  }
  ~link_node() {
    for (const caf::actor& a :
         {caf::actor_cast<caf::actor>(links), caf::actor_cast<caf::actor>(directory),
          caf::actor_cast<caf::actor>(registry)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  link_node(const link_node&) = delete;
  link_node& operator=(const link_node&) = delete;

  /// Asks the links for `other`'s directory; the handle or the error text.
  std::variant<node_directory_actor, std::string> connect(const link_node& other,
                                                          const std::string& other_id) {
    std::variant<node_directory_actor, std::string> out = std::string("no answer");
    caf::scoped_actor self{*sys};
    self->request(links, 30s, caf::connect_atom::value, other_id, other.address)
      .receive([&](const node_directory_actor& d) { out = d; },
               [&](caf::error& e) { out = sys->render(e); });
    return out;
  }

  node_actor_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  peer_links_actor links;
  session_registry_actor registry;
  node_directory_actor directory;
  std::string address;
};

/// Whether `dir` (a handle one node holds) is `node`'s directory.
bool is_directory_of(const std::variant<node_directory_actor, std::string>& dir,
                     const link_node& node) {
  auto* d = std::get_if<node_directory_actor>(&dir);
  return d != nullptr && d->node() == node.sys->node() && d->id() == node.directory.id();
}

/// Sends `rounds` requests from `from` over its link; the first error, or
/// nothing when every one was answered and the link stayed up.
std::optional<std::string> traffic(link_node& from, const node_directory_actor& to, int rounds) {
  caf::scoped_actor self{*from.sys};
  self->monitor(to);
  for (int i = 0; i < rounds; ++i) {
    std::optional<std::string> err;
    self->request(to, 5s, stats_atom::value)
      .receive([](const std::vector<actor_live>&) {},
               [&](caf::error& e) { err = from.sys->render(e); });
    if (err)
      return err;
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; }, caf::after(50ms) >> [] {});
    if (down)
      return "the link went down";
  }
  return std::nullopt;
}

class PeerLinksTest : public ::testing::Test {
protected:
  void SetUp() override { test::make_test_certs(certs_, {"node-a", "node-b"}); }
  test::temp_dir dir_;
  std::filesystem::path certs_ = dir_ / "certs";
};

} // namespace

TEST(PeerLinksRuleTest, TheNodeWhoseIdSortsFirstDials) {
  EXPECT_TRUE(dials_peer("node-a", "node-b"));
  EXPECT_FALSE(dials_peer("node-b", "node-a"));
  EXPECT_NE(dials_peer("x", "y"), dials_peer("y", "x")) << "exactly one of a pair dials";
}

// node-b asks first and waits; node-a dials, introduces itself, and both
// answers name the other's directory over one connection that stays up.
TEST_F(PeerLinksTest, TheFirstNodeDialsAndTheOtherUsesItsIntroduction) {
  link_node a{"node-a", certs_, 30s};
  link_node b{"node-b", certs_, 30s}; // never falls back within the test
  std::variant<node_directory_actor, std::string> b_to_a;
  std::thread asks([&] { b_to_a = b.connect(a, "node-a"); });
  auto a_to_b = a.connect(b, "node-b");
  asks.join();
  ASSERT_TRUE(is_directory_of(a_to_b, b));
  ASSERT_TRUE(is_directory_of(b_to_a, a)) << "node-b got no introduction from node-a";
  // Both ways, for a while: no second connection broke the first.
  std::optional<std::string> one_way, other_way;
  std::thread back([&] { other_way = traffic(b, std::get<node_directory_actor>(b_to_a), 20); });
  one_way = traffic(a, std::get<node_directory_actor>(a_to_b), 20);
  back.join();
  EXPECT_FALSE(one_way) << *one_way;
  EXPECT_FALSE(other_way) << *other_way;
  // Asked again: the same link.
  EXPECT_TRUE(is_directory_of(b.connect(a, "node-a"), a));
}

// node-a never dials: node-b waits its while and says so, without dialing
// (that dial could cross one of node-a's); once node-a dials, both work.
TEST_F(PeerLinksTest, TheOtherWaitsAndNeverDials) {
  link_node a{"node-a", certs_, 30s};
  link_node b{"node-b", certs_, 200ms};
  auto early = b.connect(a, "node-a");
  ASSERT_TRUE(std::holds_alternative<std::string>(early)) << "node-b dialed node-a";
  EXPECT_NE(std::get<std::string>(early).find("node node-a has not connected to this node"),
            std::string::npos)
    << std::get<std::string>(early);
  auto a_to_b = a.connect(b, "node-b");
  ASSERT_TRUE(is_directory_of(a_to_b, b));
  auto b_to_a = b.connect(a, "node-a");
  ASSERT_TRUE(is_directory_of(b_to_a, a)) << std::get<std::string>(b_to_a);
  auto from_a = traffic(a, std::get<node_directory_actor>(a_to_b), 10);
  EXPECT_FALSE(from_a) << *from_a;
  auto from_b = traffic(b, std::get<node_directory_actor>(b_to_a), 10);
  EXPECT_FALSE(from_b) << *from_b;
}

// A node that stops takes its link with it; its next run is linked anew.
TEST_F(PeerLinksTest, ALinkToAStoppedNodeIsMadeAgainToItsNextRun) {
  link_node b{"node-b", certs_, 30s};
  auto first = std::make_unique<link_node>("node-a", certs_, 30s);
  ASSERT_TRUE(is_directory_of(first->connect(b, "node-b"), b));
  ASSERT_TRUE(is_directory_of(b.connect(*first, "node-a"), *first));
  first.reset();
  link_node again{"node-a", certs_, 30s};
  ASSERT_TRUE(is_directory_of(again.connect(b, "node-b"), b));
  EXPECT_TRUE(is_directory_of(b.connect(again, "node-a"), again))
    << "node-b kept the link to node-a's first run";
}

// An address with nothing behind it is an error, and the next ask tries anew.
TEST_F(PeerLinksTest, AnUnreachablePeerIsAnErrorAndIsTriedAgain) {
  link_node a{"node-a", certs_, 30s};
  link_node b{"node-b", certs_, 30s};
  std::string real = b.address;
  b.address = "127.0.0.1:1";
  auto refused = a.connect(b, "node-b");
  EXPECT_TRUE(std::holds_alternative<std::string>(refused));
  b.address = real;
  EXPECT_TRUE(is_directory_of(a.connect(b, "node-b"), b));
}
