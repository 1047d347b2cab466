#include <capnp/ez-rpc.h>
#include <gtest/gtest.h>

#include "smoke.capnp.h"

namespace {

class echo_impl final : public Echo::Server {
protected:
  kj::Promise<void> echo(EchoContext ctx) override {
    auto text = ctx.getParams().getText();
    ctx.getResults().setReply(kj::str("echo: ", text));
    return kj::READY_NOW;
  }
};

} // namespace

TEST(CapnpSmokeTest, RpcRoundTripOverLoopback) {
  capnp::EzRpcServer server{kj::heap<echo_impl>(), "127.0.0.1:0"};
  auto& ws = server.getWaitScope();
  auto port = server.getPort().wait(ws);
  ASSERT_GT(port, 0u);
  capnp::EzRpcClient client{"127.0.0.1", port};
  auto req = client.getMain<Echo>().echoRequest();
  req.setText("hi");
  auto reply = req.send().wait(client.getWaitScope());
  EXPECT_EQ(std::string(reply.getReply().cStr()), "echo: hi");
}
