#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {

using add_actor = caf::typed_actor<caf::replies_to<caf::add_atom, int, int>::with<int>>;

add_actor::behavior_type adder() {
  return {[](caf::add_atom, int a, int b) { return a + b; }};
}

struct io_config : caf::actor_system_config {
  io_config() { load<caf::io::middleman>(); }
};

} // namespace

TEST(CafSmokeTest, TypedActorRequestResponse) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = sys.spawn(adder);
  caf::scoped_actor self{sys};
  int result = 0;
  self->request(a, 5s, caf::add_atom::value, 2, 3)
    .receive([&](int r) { result = r; }, [](caf::error&) {});
  EXPECT_EQ(result, 5);
  EXPECT_EQ(CAF_VERSION, 1706);
}

TEST(CafSmokeTest, MiddlemanPublishAndRemoteActorOverLoopback) {
  io_config server_cfg;
  caf::actor_system server{server_cfg};
  auto port = server.middleman().publish(server.spawn(adder), 0, "127.0.0.1", true);
  ASSERT_TRUE(port) << server.render(port.error());
  io_config client_cfg;
  caf::actor_system client{client_cfg};
  auto remote = client.middleman().remote_actor<add_actor>("127.0.0.1", *port);
  ASSERT_TRUE(remote) << client.render(remote.error());
  caf::scoped_actor self{client};
  int result = 0;
  self->request(*remote, 5s, caf::add_atom::value, 20, 22)
    .receive([&](int r) { result = r; }, [&](caf::error& e) { ADD_FAILURE() << client.render(e); });
  EXPECT_EQ(result, 42);
  self->send_exit(*remote, caf::exit_reason::user_shutdown);
}
