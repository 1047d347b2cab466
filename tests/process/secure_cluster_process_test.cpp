// The cluster port over mutual TLS (--cluster-cert, --cluster-key,
// --cluster-ca): three real nodes whose certificates one CA signed serve
// each other's chats; a CAF client without a certificate, or with one another
// CA signed, gets nothing from their cluster ports, and neither does a node
// started without the certificate; a cluster port beyond loopback without TLS
// refuses to start unless --cluster-insecure says so.
#include <set>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/actor_system.hpp"
#include "runtime/messages.hpp"
#include "runtime/poll.hpp"
#include "tests/process/cluster_fixture.hpp"
#include "tests/support/tls_client.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::fake_reply;

namespace {

/// Times `text` appears in `log`.
size_t count_of(const std::string& log, const std::string& text) {
  size_t n = 0;
  for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
    ++n;
  return n;
}

} // namespace

class SecureClusterTest : public ClusterTest {
protected:
  void SetUp() override {
    test::make_test_certs(certs_, {"node-a", "node-b", "node-c", "node-d", "client"});
    test::make_test_certs(other_ca_, {"node-d", "client"});
    ClusterTest::SetUp();
  }

  std::vector<std::string> node_args(const std::string& id) override {
    auto args = ClusterTest::node_args(id);
    auto certs = id == "node-d" ? node_d_certs_ : certs_;
    if (!certs.empty())
      args.insert(args.end(),
                  {"--cluster-cert", (certs / (id + ".pem")).string(), "--cluster-key",
                   (certs / (id + ".key")).string(), "--cluster-ca", (certs / "ca.pem").string()});
    return args;
  }

  /// node-a's cluster port, as it registered it.
  std::pair<std::string, uint16_t> cluster_port_of(const std::string& id) {
    auto address = db_.scalar("SELECT cluster_address FROM nodes WHERE id = '" + id + "'");
    auto colon = address.rfind(':');
    return {address.substr(0, colon), static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))};
  }

  /// Asks the node directory at node `id`'s cluster port, from a CAF system
  /// of this process (secured with `certs`'s client certificate, or plain
  /// when empty), for the actors it runs: their count, or the error.
  std::variant<size_t, std::string> ask_directory(const std::string& id,
                                                  const std::filesystem::path& certs) {
    node_actor_config cfg;
    cfg.distributed(250ms, 3s);
    if (!certs.empty())
      cfg.secured(certs / "client.pem", certs / "client.key", certs / "ca.pem");
    caf::actor_system sys{cfg};
    auto [host, port] = cluster_port_of(id);
    std::variant<size_t, std::string> out = std::string("no answer");
    caf::scoped_actor self{sys};
    node_directory_actor dir;
    self->request(cluster_middleman(sys), 10s, caf::connect_atom::value, host, port)
      .receive(
        [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
          dir = caf::actor_cast<node_directory_actor>(std::move(ptr));
        },
        [&](caf::error& e) { out = sys.render(e); });
    if (!dir)
      return out;
    self->request(dir, 10s, stats_atom::value)
      .receive([&](const std::vector<actor_live>& live) { out = live.size(); },
               [&](caf::error& e) { out = sys.render(e); });
    return out;
  }

  std::filesystem::path certs_ = dir_ / "certs";
  std::filesystem::path other_ca_ = dir_ / "other-ca";
  std::filesystem::path node_d_certs_; // empty: node-d starts plain
};

// A browser on node A uses a chat node B owns: the session's frames cross
// the TLS links, and the links stay up (each node connects to each peer once).
TEST_F(SecureClusterTest, ChatsAreServedAcrossNodesOverMutualTls) {
  model_.enqueue(fake_reply::text_reply("Answered by B over TLS."));
  auto id = chat_on("node-b");
  EXPECT_EQ(streamed_answer("node-a", id, "hello", "m-1"), "Answered by B over TLS.");
  auto via_c = test::wait_done(to("node-c"), id);
  EXPECT_EQ(test::of_role(via_c, "assistant").size(), 1u);
  // Some monitor ticks later, no link has dropped and been made again.
  model_.enqueue(fake_reply::text_reply("Second answer."));
  EXPECT_EQ(streamed_answer("node-c", id, "again", "m-2"), "Second answer.");
  for (auto& [name, n] : nodes_) {
    auto log = n.proc->output();
    EXPECT_NE(log.find("the cluster port speaks mutual TLS"), std::string::npos) << name;
    EXPECT_EQ(count_of(log, "lost the connection to node"), 0u) << name << ":\n" << log;
    for (auto peer : {"node-a", "node-b", "node-c"}) {
      if (peer == name)
        continue;
      EXPECT_LE(count_of(log, std::string("connected to node ") + peer + " at"), 1u)
        << name << " reconnected to " << peer << ":\n"
        << log;
    }
  }
  // A client with a certificate the cluster's CA signed is answered.
  auto trusted = ask_directory("node-b", certs_);
  ASSERT_TRUE(std::holds_alternative<size_t>(trusted)) << std::get<std::string>(trusted);
  EXPECT_GE(std::get<size_t>(trusted), 1u) << "node-b runs the chat";
}

// Plain CAF, or TLS with a certificate another CA signed, gets no actor from
// a cluster port; a node started without the certificate cannot reach its
// peers, and they never count it connected.
TEST_F(SecureClusterTest, NoCertificateNoClusterPort) {
  auto plain = ask_directory("node-a", {});
  EXPECT_TRUE(std::holds_alternative<std::string>(plain)) << "a plain client was answered";
  auto foreign = ask_directory("node-a", other_ca_);
  EXPECT_TRUE(std::holds_alternative<std::string>(foreign))
    << "a client another CA signed was answered";

  // node-d shares the database (it is trusted there) but not the CA: first
  // plain, then with a certificate another CA signed. Each time it can reach
  // no member, and no member reaches it.
  auto id = chat_on("node-a"); // before node-d is up, so it is not placed there
  for (const auto& certs : {std::filesystem::path{}, other_ca_}) {
    node_d_certs_ = certs;
    start("node-d");
    auto& d = *nodes_.at("node-d").proc;
    EXPECT_TRUE(
      poll_until(15s,
                 [&] {
                   return d.output().find("cannot reach node node-a") != std::string::npos &&
                          d.output().find("cannot reach node node-c") != std::string::npos;
                 }))
      << d.output();
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(60s), 0) << d.output();
    nodes_.at("node-d").running = false;
  }
  for (auto member : {"node-a", "node-b", "node-c"}) {
    auto log = nodes_.at(member).proc->output();
    EXPECT_EQ(log.find("connected to node node-d"), std::string::npos)
      << member << " connected to the node without the cluster's certificate";
    EXPECT_NE(log.find("cannot reach node node-d"), std::string::npos) << member << ":\n" << log;
  }
  // The members still serve the chat among themselves.
  model_.enqueue(fake_reply::text_reply("Only through a member."));
  test::post_message(to("node-c"), id, "hello", "m-1");
  auto chat = test::wait_done(to("node-b"), id);
  EXPECT_EQ(test::of_role(chat, "assistant").size(), 1u);
}

// Beyond loopback the cluster port needs TLS, or an explicit, warned
// --cluster-insecure; certificate files that do not fit are refused at start.
TEST_F(SecureClusterTest, BeyondLoopbackTheClusterPortNeedsTls) {
  auto data = (dir_ / "x").string();
  auto refused =
    run({test::boocode_binary(), "serve", "--cluster-listen", "0.0.0.0:0", "--data-dir", data});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.output.find("set --cluster-cert, --cluster-key and --cluster-ca"),
            std::string::npos)
    << refused.output;
  // A key that is not the certificate's, and a CA that did not sign it.
  auto mismatched =
    run({test::boocode_binary(), "serve", "--data-dir", data, "--database-url", db_.conninfo(),
         "--cluster-cert", (certs_ / "node-a.pem").string(), "--cluster-key",
         (certs_ / "node-b.key").string(), "--cluster-ca", (certs_ / "ca.pem").string()});
  EXPECT_EQ(mismatched.code, 1);
  EXPECT_NE(mismatched.output.find("does not belong to the certificate"), std::string::npos)
    << mismatched.output;
  auto unsigned_by_ca =
    run({test::boocode_binary(), "serve", "--data-dir", data, "--database-url", db_.conninfo(),
         "--cluster-cert", (other_ca_ / "node-d.pem").string(), "--cluster-key",
         (other_ca_ / "node-d.key").string(), "--cluster-ca", (certs_ / "ca.pem").string()});
  EXPECT_EQ(unsigned_by_ca.code, 1);
  EXPECT_NE(unsigned_by_ca.output.find("does not verify against the CA"), std::string::npos)
    << unsigned_by_ca.output;
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM nodes WHERE id NOT LIKE 'node-_'"), "0")
    << "a refused start joined the cluster";
}
