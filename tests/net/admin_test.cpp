// The admin interface's schema logic: a real Cap'n Proto client and server in
// one process over a two-way pipe, with a fake service behind the server.
#include <capnp/rpc-twoparty.h>
#include <gtest/gtest.h>
#include <kj/async-io.h>

#include "net/admin_capability.hpp"
#include "net/admin_client.hpp"
#include "net/admin_server.hpp"

using namespace boocode;

namespace {

/// Answers from what the test sets; records what it was asked.
struct fake_service final : admin::admin_service {
  std::vector<admin::node_info> node_list;
  std::vector<admin::actor_info> actor_list;
  admin::actor_detail detail;
  admin::actor_filter last_filter;
  std::vector<std::string> changes;

  admin::result<std::vector<admin::node_info>> nodes() override { return node_list; }
  admin::result<std::vector<admin::actor_info>> actors(const admin::actor_filter& f) override {
    last_filter = f;
    return actor_list;
  }
  admin::result<admin::actor_detail> inspect(const std::string& id) override {
    if (id != detail.info.id)
      return admin::error{"not_found", "no actor " + id};
    return detail;
  }
  admin::result<bool> migrate(const std::string& id, const std::string& node,
                              const std::string& caller) override {
    changes.push_back("migrate " + id + " " + node + " by " + caller);
    if (node == "nowhere")
      return admin::error{"not_found", "no node nowhere"};
    return true;
  }
  admin::result<bool> restart(const std::string& id, const std::string& caller) override {
    changes.push_back("restart " + id + " by " + caller);
    return false;
  }
  admin::result<bool> stop(const std::string& id, const std::string& caller) override {
    changes.push_back("stop " + id + " by " + caller);
    return true;
  }
  admin::result<uint32_t> drain(const std::string& node, const std::string& caller) override {
    changes.push_back("drain " + node + " by " + caller);
    return 7u;
  }
};

/// A client and a server of the Admin interface over a pipe, on this thread.
struct pipe_fixture {
  explicit pipe_fixture(fake_service& service, std::string server_token = "",
                        std::string client_token = "")
    : io(kj::setupAsyncIo()), pipe(io.provider->newTwoWayPipe()),
      cap(service, std::move(server_token), nullptr), server(cap.make()),
      client_rpc(*pipe.ends[1]) {
    server.accept(kj::mv(pipe.ends[0]));
    client = net::admin_client_over(client_rpc.bootstrap(), io.waitScope, std::move(client_token),
                                    "ops@test");
  }
  ~pipe_fixture() {
    client.reset();
    while (!cap.idle())
      io.provider->getTimer().afterDelay(5 * kj::MILLISECONDS).wait(io.waitScope);
  }
  kj::AsyncIoContext io;
  kj::TwoWayPipe pipe;
  net::admin_capability cap;
  capnp::TwoPartyServer server;
  capnp::TwoPartyClient client_rpc;
  std::unique_ptr<admin::admin_service> client;
};

} // namespace

TEST(AdminSchemaTest, ListsAndInspectsRoundTripEveryField) {
  fake_service svc;
  svc.node_list = {{"node-a", "http://127.0.0.1:8080", "127.0.0.1:4242", "127.0.0.1:8081", "up",
                    250, 3, "0.1.0", 4242, "2026-11-24T10:00:00.000Z"}};
  svc.actor_list = {{"c_1", protocol::actor_kind::session, "node-a", protocol::actor_state::running,
                     4, 2, 1, "2026-11-24T10:01:00.000Z", 5}};
  svc.detail.info = svc.actor_list[0];
  svc.detail.snapshot = R"({"turn":3})";
  svc.detail.journal = {{4, "r1", "message", R"({"role":"assistant"})", "t1"}};
  svc.detail.mailbox = {{11, "m-1", "hello", "t0", -1}, {12, "", "again", "t2", 4}};
  svc.detail.subscribers = {"17@node-a"};
  pipe_fixture f{svc};

  auto nodes = f.client->nodes();
  ASSERT_TRUE(std::holds_alternative<std::vector<admin::node_info>>(nodes));
  auto& n = std::get<std::vector<admin::node_info>>(nodes).at(0);
  EXPECT_EQ(n.id, "node-a");
  EXPECT_EQ(n.cluster_address, "127.0.0.1:4242");
  EXPECT_EQ(n.admin_address, "127.0.0.1:8081");
  EXPECT_EQ(n.heartbeat_age_ms, 250u);
  EXPECT_EQ(n.actors, 3u);
  EXPECT_EQ(n.pid, 4242);
  EXPECT_EQ(n.started_at, "2026-11-24T10:00:00.000Z");

  auto actors = f.client->actors({"session", "", "node-a", "running"});
  auto& a = std::get<std::vector<admin::actor_info>>(actors).at(0);
  EXPECT_EQ(svc.last_filter.kind, "session");
  EXPECT_EQ(svc.last_filter.node, "node-a");
  EXPECT_EQ(svc.last_filter.state, "running");
  EXPECT_EQ(a.kind, protocol::actor_kind::session);
  EXPECT_EQ(a.state, protocol::actor_state::running);
  EXPECT_EQ(a.turn, 4);
  EXPECT_EQ(a.mailbox, 2u);
  EXPECT_EQ(a.restarts, 1u);
  EXPECT_EQ(a.epoch, 5);

  auto d = std::get<admin::actor_detail>(f.client->inspect("c_1"));
  EXPECT_EQ(d.snapshot, R"({"turn":3})");
  ASSERT_EQ(d.journal.size(), 1u);
  EXPECT_EQ(d.journal[0].step, "r1");
  ASSERT_EQ(d.mailbox.size(), 2u);
  EXPECT_EQ(d.mailbox[0].taken_turn, -1);
  EXPECT_EQ(d.mailbox[1].taken_turn, 4);
  EXPECT_EQ(d.subscribers, (std::vector<std::string>{"17@node-a"}));
}

TEST(AdminSchemaTest, ChangesCarryTheCallerAndErrorsTheirCode) {
  fake_service svc;
  pipe_fixture f{svc};
  EXPECT_EQ(std::get<bool>(f.client->migrate("c_1", "node-b", "")), true);
  EXPECT_EQ(std::get<bool>(f.client->restart("c_1", "")), false);
  EXPECT_EQ(std::get<bool>(f.client->stop("c_1", "")), true);
  EXPECT_EQ(std::get<uint32_t>(f.client->drain("node-b", "")), 7u);
  EXPECT_EQ(svc.changes,
            (std::vector<std::string>{"migrate c_1 node-b by ops@test", "restart c_1 by ops@test",
                                      "stop c_1 by ops@test", "drain node-b by ops@test"}));
  auto unknown = f.client->inspect("c_ghost");
  ASSERT_TRUE(std::holds_alternative<admin::error>(unknown));
  EXPECT_EQ(std::get<admin::error>(unknown).code, "not_found");
  EXPECT_EQ(std::get<admin::error>(unknown).message, "no actor c_ghost");
  auto nowhere = f.client->migrate("c_1", "nowhere", "");
  EXPECT_EQ(std::get<admin::error>(nowhere).code, "not_found");
}

TEST(AdminSchemaTest, AWrongOrMissingTokenIsRefusedAndChangesNothing) {
  fake_service svc;
  {
    pipe_fixture f{svc, "s3cret-token-0123456789", "wrong-token-0123456789"};
    auto r = f.client->drain("node-b", "");
    ASSERT_TRUE(std::holds_alternative<admin::error>(r));
    EXPECT_EQ(std::get<admin::error>(r).code, "unauthorized");
    EXPECT_TRUE(std::holds_alternative<admin::error>(f.client->nodes()));
  }
  {
    pipe_fixture f{svc, "s3cret-token-0123456789", ""};
    EXPECT_EQ(std::get<admin::error>(f.client->nodes()).code, "unauthorized");
  }
  EXPECT_TRUE(svc.changes.empty());
  pipe_fixture ok{svc, "s3cret-token-0123456789", "s3cret-token-0123456789"};
  EXPECT_EQ(std::get<uint32_t>(ok.client->drain("node-b", "")), 7u);
}

TEST(AdminSchemaTest, TokensCompareWholeAndPortsNeedOne) {
  EXPECT_TRUE(net::same_token("abc", "abc"));
  EXPECT_FALSE(net::same_token("abc", "abd"));
  EXPECT_FALSE(net::same_token("abc", "abcd"));
  EXPECT_FALSE(net::same_token("", "x"));
}

TEST(AdminSchemaTest, AnUnreachablePortIsAnError) {
  auto client = net::connect_admin({"127.0.0.1", 1, false, std::nullopt, ""}, "", "ops@test");
  auto r = client->nodes();
  ASSERT_TRUE(std::holds_alternative<admin::error>(r));
  EXPECT_EQ(std::get<admin::error>(r).code, "unreachable");
}
