#pragma once

// One node in the test's process (actor system with a middleman on
// loopback, cluster store, registry, published directory, chat service) and
// a browser connection that keeps its frames: for the routing, migration and
// passivation tests.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/chat_service_impl.hpp"
#include "actors/cluster_store.hpp"
#include "actors/node_directory.hpp"
#include "actors/peer_links.hpp"
#include "actors/session_registry.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/errors.hpp"

namespace boocode::test {

class test_database;
class temp_dir;

/// Creates chat c_1, working in `workspace`.
void create_chat(const test_database& db, const temp_dir& workspace);

/// A browser connection that keeps the frames it gets.
class collector final : public chat::frame_sink {
public:
  uint64_t id() const override { return 1; }
  void send_frame(std::string text) override;
  /// How many frames of `type` arrived so far.
  size_t count(const std::string& type);
  /// The newest frame of `type` (null when none came).
  nlohmann::json last(const std::string& type);
  /// Every frame so far, oldest first.
  std::vector<nlohmann::json> all();

private:
  std::mutex mtx_;
  std::vector<nlohmann::json> frames_;
};

struct test_node_options {
  /// The scripted model's answers: "answer 1" … "answer N", one per turn.
  int answers = 3;
  std::chrono::milliseconds passivate_after{0}; // 0: never
};

/// One node of the test, joined to the cluster of `conninfo`'s database.
struct test_node {
  test_node(const std::string& id, const std::string& conninfo, test_node_options opts = {});
  ~test_node();

  /// Asks the registry; the answer or its error.
  template <class R, class... Ts>
  caf::expected<R> ask(Ts... xs) {
    caf::scoped_actor self{*sys};
    caf::expected<R> out = caf::make_error(errc::unavailable, "no answer");
    self->request(registry, std::chrono::seconds(60), xs...)
      .receive([&](R r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }

  /// Links this node and `other` as a cluster monitor would at its first
  /// beat: the one whose id sorts first connects (actors/peer_links).
  void link(test_node& other);

  std::string id;
  std::string cluster_address; // HOST:PORT of its published directory
  node_actor_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<session_deps> deps;
  cluster_store_actor store;
  session_registry_actor registry;
  node_directory_actor directory;
  peer_links_actor peers;
  std::unique_ptr<chat_service_impl> chats;
};

} // namespace boocode::test
