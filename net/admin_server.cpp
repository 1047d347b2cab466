#include "net/admin_server.hpp"

#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <capnp/rpc-twoparty.h>
#include <fmt/format.h>
#include <kj/async-io.h>
#include <kj/async.h>

#include "admin.capnp.h"
#include "net/admin_capability.hpp"
#include "net/admin_transport.hpp"

namespace boocode::net {

bool same_token(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

namespace {

[[noreturn]] void fail(const std::string& code, const std::string& message) {
  kj::throwFatalException(kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                                        kj::str(code.c_str(), ": ", message.c_str())));
}

void fill(NodeInfo::Builder b, const admin::node_info& n) {
  b.setId(n.id);
  b.setHttpAddress(n.http_address);
  b.setClusterAddress(n.cluster_address);
  b.setAdminAddress(n.admin_address);
  b.setState(n.state);
  b.setHeartbeatAgeMs(n.heartbeat_age_ms);
  b.setActors(n.actors);
  b.setVersion(n.version);
  b.setPid(n.pid);
  b.setStartedAt(n.started_at);
}

void fill(ActorInfo::Builder b, const admin::actor_info& a) {
  b.setId(a.id);
  b.setKind(std::string(protocol::to_string(a.kind)));
  b.setOwner(a.owner);
  b.setState(std::string(protocol::to_string(a.state)));
  b.setTurn(a.turn);
  b.setMailbox(a.mailbox);
  b.setRestarts(a.restarts);
  b.setLastActivity(a.last_activity);
  b.setEpoch(a.epoch);
}

void fill(ActorDetail::Builder b, const admin::actor_detail& d) {
  fill(b.initInfo(), d.info);
  b.setSnapshot(d.snapshot);
  auto journal = b.initJournal(static_cast<unsigned>(d.journal.size()));
  for (unsigned i = 0; i < d.journal.size(); ++i) {
    auto& j = d.journal[i];
    journal[i].setTurn(j.turn);
    journal[i].setStep(j.step);
    journal[i].setKind(j.kind);
    journal[i].setPayload(j.payload);
    journal[i].setCreatedAt(j.created_at);
  }
  auto mailbox = b.initMailbox(static_cast<unsigned>(d.mailbox.size()));
  for (unsigned i = 0; i < d.mailbox.size(); ++i) {
    auto& m = d.mailbox[i];
    mailbox[i].setId(m.id);
    mailbox[i].setClientId(m.client_id);
    mailbox[i].setContent(m.content);
    mailbox[i].setCreatedAt(m.created_at);
    mailbox[i].setTakenTurn(m.taken_turn);
  }
  auto subs = b.initSubscribers(static_cast<unsigned>(d.subscribers.size()));
  for (unsigned i = 0; i < d.subscribers.size(); ++i)
    subs.set(i, d.subscribers[i]);
}

/// Blocking calls run on worker threads; their results come back to the
/// event loop through its executor. stop() waits for the workers.
class workers {
public:
  template <class T>
  kj::Promise<admin::result<T>> run(std::function<admin::result<T>()> work) {
    auto paf = kj::newPromiseAndFulfiller<admin::result<T>>();
    // In shared_ptrs: kj::Own's destructor may throw, std::thread's state's may not.
    auto executor =
      std::make_shared<kj::Own<const kj::Executor>>(kj::getCurrentThreadExecutor().addRef());
    auto fulfiller =
      std::make_shared<kj::Own<kj::PromiseFulfiller<admin::result<T>>>>(kj::mv(paf.fulfiller));
    std::lock_guard guard{mtx_};
    reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread([work = std::move(work), executor, fulfiller, done]() mutable {
                          auto r = work();
                          try {
                            (*executor)->executeSync([&] { (*fulfiller)->fulfill(std::move(r)); });
                          } catch (const kj::Exception&) { // the loop is gone: nobody waits
                          }
                          // The fulfiller belongs to the loop's thread: drop it there.
                          try {
                            (*executor)->executeSync([&] { fulfiller.reset(); });
                          } catch (const kj::Exception&) {
                          }
                          *done = true;
                        }),
                        done});
    return kj::mv(paf.promise);
  }

  bool idle() {
    std::lock_guard guard{mtx_};
    reap();
    return threads_.empty();
  }

  void join_all() {
    std::list<job> jobs;
    {
      std::lock_guard guard{mtx_};
      jobs.swap(threads_);
    }
    for (auto& j : jobs)
      j.thread.join();
  }

private:
  struct job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap() {
    for (auto i = threads_.begin(); i != threads_.end();)
      if (*i->done) {
        i->thread.join();
        i = threads_.erase(i);
      } else {
        ++i;
      }
  }
  std::mutex mtx_;
  std::list<job> threads_;
};

class admin_impl final : public Admin::Server {
public:
  admin_impl(admin::admin_service& service, std::string token, std::shared_ptr<spdlog::logger> log,
             std::shared_ptr<workers> pool)
    : service_(service), token_(std::move(token)), log_(std::move(log)), pool_(std::move(pool)) {}

  kj::Promise<void> nodes(NodesContext ctx) override {
    check(ctx.getParams().getAuth());
    return call<std::vector<admin::node_info>>(
      [this] { return service_.nodes(); },
      [ctx](const std::vector<admin::node_info>& nodes) mutable {
        auto list = ctx.getResults().initNodes(static_cast<unsigned>(nodes.size()));
        for (unsigned i = 0; i < nodes.size(); ++i)
          fill(list[i], nodes[i]);
      });
  }

  kj::Promise<void> actors(ActorsContext ctx) override {
    auto p = ctx.getParams();
    check(p.getAuth());
    admin::actor_filter f{p.getFilter().getKind(), p.getFilter().getId(), p.getFilter().getNode(),
                          p.getFilter().getState()};
    return call<std::vector<admin::actor_info>>(
      [this, f] { return service_.actors(f); },
      [ctx](const std::vector<admin::actor_info>& actors) mutable {
        auto list = ctx.getResults().initActors(static_cast<unsigned>(actors.size()));
        for (unsigned i = 0; i < actors.size(); ++i)
          fill(list[i], actors[i]);
      });
  }

  kj::Promise<void> inspect(InspectContext ctx) override {
    check(ctx.getParams().getAuth());
    std::string id = ctx.getParams().getId();
    return call<admin::actor_detail>(
      [this, id] { return service_.inspect(id); },
      [ctx](const admin::actor_detail& d) mutable { fill(ctx.getResults().initActor(), d); });
  }

  kj::Promise<void> migrate(MigrateContext ctx) override {
    auto caller = check(ctx.getParams().getAuth());
    std::string id = ctx.getParams().getId();
    std::string node = ctx.getParams().getNode();
    auto what = fmt::format("migrate {} to {}", id, node);
    return change<bool>(
      caller, what, [this, id, node, caller] { return service_.migrate(id, node, caller); },
      [ctx](bool moved) mutable { ctx.getResults().setMoved(moved); });
  }

  kj::Promise<void> restart(RestartContext ctx) override {
    auto caller = check(ctx.getParams().getAuth());
    std::string id = ctx.getParams().getId();
    return change<bool>(
      caller, "restart " + id, [this, id, caller] { return service_.restart(id, caller); },
      [ctx](bool done) mutable { ctx.getResults().setRestarted(done); });
  }

  kj::Promise<void> stop(StopContext ctx) override {
    auto caller = check(ctx.getParams().getAuth());
    std::string id = ctx.getParams().getId();
    return change<bool>(
      caller, "stop " + id, [this, id, caller] { return service_.stop(id, caller); },
      [ctx](bool done) mutable { ctx.getResults().setStopped(done); });
  }

  kj::Promise<void> drain(DrainContext ctx) override {
    auto caller = check(ctx.getParams().getAuth());
    std::string node = ctx.getParams().getNode();
    return change<uint32_t>(
      caller, "drain " + node, [this, node, caller] { return service_.drain(node, caller); },
      [ctx](uint32_t moved) mutable { ctx.getResults().setMoved(moved); });
  }

private:
  /// The caller's name once the token is right.
  std::string check(Auth::Reader auth) {
    std::string caller = auth.getCaller();
    if (caller.empty())
      caller = "(unnamed)";
    if (!token_.empty() && !same_token(auth.getToken().cStr(), token_)) {
      if (log_)
        log_->warn("admin: refused a call from {}: wrong token", caller);
      fail("unauthorized", "the admin token is missing or wrong");
    }
    return caller;
  }

  template <class T, class Fill>
  kj::Promise<void> call(std::function<admin::result<T>()> work, Fill fill_results) {
    return pool_->run<T>(std::move(work))
      .then([fill_results = std::move(fill_results)](admin::result<T> r) mutable {
        if (auto* e = std::get_if<admin::error>(&r))
          fail(e->code, e->message);
        fill_results(std::get<T>(r));
      });
  }

  /// A call that changes something: logged with who asked, and how it ended.
  template <class T, class Fill>
  kj::Promise<void> change(const std::string& caller, const std::string& what,
                           std::function<admin::result<T>()> work, Fill fill_results) {
    if (log_)
      log_->info("admin: {} asks to {}", caller, what);
    auto log = log_;
    return call<T>(
      [work = std::move(work), log, caller, what]() {
        auto r = work();
        if (log) {
          if (auto* e = std::get_if<admin::error>(&r))
            log->warn("admin: {} could not {}: {}", caller, what, e->message);
          else
            log->info("admin: {} did {}", caller, what);
        }
        return r;
      },
      std::move(fill_results));
  }

  admin::admin_service& service_;
  std::string token_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<workers> pool_;
};

} // namespace

struct admin_capability::state {
  std::shared_ptr<workers> pool = std::make_shared<workers>();
};

admin_capability::admin_capability(admin::admin_service& service, std::string token,
                                   std::shared_ptr<spdlog::logger> log)
  : state_(std::make_shared<state>()), service_(service), token_(std::move(token)),
    log_(std::move(log)) {}

admin_capability::~admin_capability() {
  state_->pool->join_all();
}

kj::Own<capnp::Capability::Server> admin_capability::make() {
  return kj::heap<admin_impl>(service_, token_, log_, state_->pool);
}

bool admin_capability::idle() const {
  return state_->pool->idle();
}

namespace {

/// Logs a client dropped before its first call (a failed TLS handshake).
class refused_logger final : public kj::TaskSet::ErrorHandler {
public:
  explicit refused_logger(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}
  void taskFailed(kj::Exception&& e) override {
    if (log_)
      log_->warn("admin port: a connection was refused: {}", e.getDescription().cStr());
  }

private:
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace

struct admin_server::impl {
  impl(admin_server_options o, admin::admin_service& s) : opts(std::move(o)), service(s) {}
  admin_server_options opts;
  admin::admin_service& service;
  std::thread loop;
  std::mutex mtx;
  kj::Own<const kj::Executor> executor;
  kj::Own<kj::PromiseFulfiller<void>> stop_fulfiller; // used on the loop thread only
  bool running = false;
};

admin_server::admin_server(admin_server_options opts, admin::admin_service& service)
  : impl_(std::make_unique<impl>(std::move(opts), service)) {}

admin_server::~admin_server() {
  stop();
}

uint16_t admin_server::start() {
  std::promise<uint16_t> bound;
  auto port = bound.get_future();
  impl_->loop = std::thread([this, &bound] {
    auto& o = impl_->opts;
    admin_capability cap{impl_->service, o.token, o.log};
    try {
      std::optional<admin_server_tls> tls;
      if (!o.tls_cert.empty())
        tls.emplace(o.tls_cert, o.tls_key);
      auto io = kj::setupAsyncIo();
      auto& ws = io.waitScope;
      auto listener = io.provider->getNetwork().parseAddress(o.host, o.port).wait(ws)->listen();
      auto p = listener->getPort();
      capnp::TwoPartyServer server{cap.make()};
      refused_logger refused{o.log};
      auto serving =
        serve_admin_connections(*listener, server, io.provider->getTimer(), tls ? &*tls : nullptr,
                                refused)
          .eagerlyEvaluate([&o](kj::Exception&& e) {
            if (o.log)
              o.log->error("admin port stopped accepting: {}", e.getDescription().cStr());
          });
      auto stop = kj::newPromiseAndFulfiller<void>();
      {
        std::lock_guard guard{impl_->mtx};
        impl_->executor = kj::getCurrentThreadExecutor().addRef();
        impl_->stop_fulfiller = kj::mv(stop.fulfiller);
        impl_->running = true;
      }
      bound.set_value(static_cast<uint16_t>(p));
      stop.promise.wait(ws);
      // Calls in progress finish first (they need the loop to hand back
      // their results, which go nowhere now).
      while (!cap.idle())
        io.provider->getTimer().afterDelay(5 * kj::MILLISECONDS).wait(ws);
    } catch (const std::runtime_error& e) { // the TLS files
      bound.set_exception(std::make_exception_ptr(e));
    } catch (const kj::Exception& e) {
      try {
        bound.set_exception(std::make_exception_ptr(
          std::runtime_error(fmt::format("cannot listen for admin calls on {}:{}: {}", o.host,
                                         o.port, e.getDescription().cStr()))));
      } catch (const std::future_error&) { // already bound: a failure while running
        if (o.log)
          o.log->error("admin port failed: {}", e.getDescription().cStr());
      }
    }
  });
  try {
    return port.get();
  } catch (...) {
    impl_->loop.join();
    throw;
  }
}

void admin_server::stop() {
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->running) {
      impl_->running = false;
      impl_->executor->executeSync([this] { impl_->stop_fulfiller->fulfill(); });
    }
  }
  if (impl_->loop.joinable())
    impl_->loop.join();
}

} // namespace boocode::net
