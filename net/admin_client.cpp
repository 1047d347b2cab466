#include "net/admin_client.hpp"

#include "admin.capnp.h"
#include "net/admin_capability.hpp"
#include "net/admin_transport.hpp"

namespace boocode::net {

namespace {

/// The error a failed call stands for: the node's code and message, or
/// "unreachable" when the connection failed.
admin::error to_error(const kj::Exception& e) {
  std::string text = e.getDescription().cStr();
  const std::string remote = "remote exception: ";
  if (text.starts_with(remote))
    text = text.substr(remote.size());
  for (auto code : {"unauthorized", "not_found", "invalid_argument", "unavailable"})
    if (text.starts_with(std::string(code) + ": "))
      return {code, text.substr(std::string(code).size() + 2)};
  if (e.getType() == kj::Exception::Type::DISCONNECTED)
    return {"unreachable", text};
  return {"failed", text};
}

admin::node_info to_node(NodeInfo::Reader r) {
  return {r.getId(),    r.getHttpAddress(),    r.getClusterAddress(), r.getAdminAddress(),
          r.getState(), r.getHeartbeatAgeMs(), r.getActors(),         r.getVersion(),
          r.getPid(),   r.getStartedAt()};
}

/// Throws protocol::unknown_value for a kind or state this client does not know.
admin::actor_info to_actor(ActorInfo::Reader r) {
  return {r.getId(),       protocol::from_text<protocol::actor_kind>(r.getKind().cStr()),
          r.getOwner(),    protocol::from_text<protocol::actor_state>(r.getState().cStr()),
          r.getTurn(),     r.getMailbox(),
          r.getRestarts(), r.getLastActivity(),
          r.getEpoch()};
}

class admin_client final : public admin::admin_service {
public:
  /// `rpc`: the connection it owns, if any (it outlives the capability).
  admin_client(std::unique_ptr<admin_connection> rpc, Admin::Client cap, kj::WaitScope& ws,
               std::string token, std::string caller)
    : rpc_(std::move(rpc)), cap_(kj::mv(cap)), ws_(ws), token_(std::move(token)),
      caller_(std::move(caller)) {}
  // kj::Own's destructor may throw; this one may not (the interface's is noexcept).
  ~admin_client() noexcept override {}

  admin::result<std::vector<admin::node_info>> nodes() override {
    return call<std::vector<admin::node_info>>([&] {
      auto req = cap_.nodesRequest();
      auth(req.initAuth());
      auto res = req.send().wait(ws_);
      std::vector<admin::node_info> out;
      for (auto n : res.getNodes())
        out.push_back(to_node(n));
      return out;
    });
  }

  admin::result<std::vector<admin::actor_info>> actors(const admin::actor_filter& f) override {
    return call<std::vector<admin::actor_info>>([&] {
      auto req = cap_.actorsRequest();
      auth(req.initAuth());
      auto filter = req.initFilter();
      filter.setKind(f.kind);
      filter.setId(f.id);
      filter.setNode(f.node);
      filter.setState(f.state);
      auto res = req.send().wait(ws_);
      std::vector<admin::actor_info> out;
      for (auto a : res.getActors())
        out.push_back(to_actor(a));
      return out;
    });
  }

  admin::result<admin::actor_detail> inspect(const std::string& id) override {
    return call<admin::actor_detail>([&] {
      auto req = cap_.inspectRequest();
      auth(req.initAuth());
      req.setId(id);
      auto res = req.send().wait(ws_);
      auto a = res.getActor();
      admin::actor_detail d;
      d.info = to_actor(a.getInfo());
      d.snapshot = a.getSnapshot();
      for (auto j : a.getJournal())
        d.journal.push_back(
          {j.getTurn(), j.getStep(), j.getKind(), j.getPayload(), j.getCreatedAt()});
      for (auto m : a.getMailbox())
        d.mailbox.push_back(
          {m.getId(), m.getClientId(), m.getContent(), m.getCreatedAt(), m.getTakenTurn()});
      for (auto s : a.getSubscribers())
        d.subscribers.emplace_back(s);
      return d;
    });
  }

  admin::result<bool> migrate(const std::string& id, const std::string& node,
                              const std::string&) override {
    return call<bool>([&] {
      auto req = cap_.migrateRequest();
      auth(req.initAuth());
      req.setId(id);
      req.setNode(node);
      return req.send().wait(ws_).getMoved();
    });
  }

  admin::result<bool> restart(const std::string& id, const std::string&) override {
    return call<bool>([&] {
      auto req = cap_.restartRequest();
      auth(req.initAuth());
      req.setId(id);
      return req.send().wait(ws_).getRestarted();
    });
  }

  admin::result<bool> stop(const std::string& id, const std::string&) override {
    return call<bool>([&] {
      auto req = cap_.stopRequest();
      auth(req.initAuth());
      req.setId(id);
      return req.send().wait(ws_).getStopped();
    });
  }

  admin::result<uint32_t> drain(const std::string& node, const std::string&) override {
    return call<uint32_t>([&] {
      auto req = cap_.drainRequest();
      auth(req.initAuth());
      req.setNode(node);
      return req.send().wait(ws_).getMoved();
    });
  }

private:
  void auth(Auth::Builder a) {
    a.setToken(token_);
    a.setCaller(caller_);
  }

  template <class T, class F>
  admin::result<T> call(F&& f) {
    try {
      return f();
    } catch (const kj::Exception& e) {
      return to_error(e);
    } catch (const protocol::unknown_value& e) {
      return admin::error{"failed", std::string("the node answered ") + e.what()};
    }
  }

  std::unique_ptr<admin_connection> rpc_;
  Admin::Client cap_;
  kj::WaitScope& ws_;
  std::string token_;
  std::string caller_;
};

} // namespace

std::unique_ptr<admin::admin_service> admin_client_over(capnp::Capability::Client cap,
                                                        kj::WaitScope& ws, std::string token,
                                                        std::string caller) {
  return std::make_unique<admin_client>(nullptr, cap.castAs<Admin>(), ws, std::move(token),
                                        std::move(caller));
}

std::unique_ptr<admin::admin_service> connect_admin(const admin_address& to, std::string token,
                                                    std::string caller) {
  auto rpc = std::make_unique<admin_connection>(to.host, to.port, to.tls, to.ca, to.server_name);
  auto cap = rpc->main().castAs<Admin>();
  auto& ws = rpc->wait_scope();
  return std::make_unique<admin_client>(std::move(rpc), kj::mv(cap), ws, std::move(token),
                                        std::move(caller));
}

} // namespace boocode::net
