#pragma once

#include <optional>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "runtime/actor_system.hpp"

namespace boocode::test {

/// Deterministic actor tests: CAF 0.17's test_coordinator runs every actor
/// on the test's thread, only when the test says so, with a simulated clock.
/// Code under test must not spawn detached actors.
class ActorTest : public ::testing::Test {
protected:
  struct config : node_actor_config {
    config() {
      set("scheduler.policy", caf::atom("testing"));
      set("logger.verbosity", caf::atom("quiet"));
    }
  };

  ActorTest()
    : sys_(cfg_), sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {}

  ~ActorTest() override { run(); }

  /// Runs every actor until no message is left; the number of jobs run.
  size_t run() { return sched_.run(); }

  /// Runs one job; false if there was none.
  bool run_once() { return sched_.try_run_once(); }

  /// Moves the simulated clock; due timeouts and delayed messages fire.
  /// Returns how many fired. Call run() to process them.
  size_t advance_time(caf::timespan d) { return sched_.advance_time(d); }

  /// Sends a request from a helper actor and runs the system until the reply
  /// arrives; the reply, or nothing if the request failed.
  template <class R, class Handle, class... Ts>
  std::optional<R> request(const Handle& dest, Ts... xs) {
    auto result = std::make_shared<std::optional<R>>();
    sys_.spawn([=](caf::event_based_actor* self) {
      self->request(dest, caf::infinite, xs...)
        .then([=](R r) { *result = std::move(r); }, [](caf::error&) {});
    });
    run();
    return *result;
  }

  caf::actor_system& sys() { return sys_; }

private:
  config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
};

} // namespace boocode::test
