#include "tests/support/load_driver.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace boocode::test {

using nlohmann::json;

connection_sampler::connection_sampler(std::string conninfo)
  : conninfo_(std::move(conninfo)), thread_([this] {
      pqxx::connection c{conninfo_};
      while (!stop_) {
        pqxx::nontransaction tx{c};
        auto n = tx.exec("SELECT count(*) FROM pg_stat_activity"
                         " WHERE application_name LIKE 'boocode/%'")[0][0]
                   .as<int>();
        most_ = std::max(most_.load(), n);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }) {}

connection_sampler::~connection_sampler() {
  stop_ = true;
  thread_.join();
}

void spread(int n, int clients, const std::function<void(int)>& f) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      for (int i = next++; i < n; i = next++)
        f(i);
    });
  for (auto& t : threads)
    t.join();
}

int64_t count_of(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c{conninfo};
  pqxx::nontransaction tx{c};
  return tx.exec(sql)[0][0].as<int64_t>();
}

std::vector<std::string> rows_of(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c{conninfo};
  pqxx::nontransaction tx{c};
  std::vector<std::string> out;
  for (const auto& row : tx.exec(sql))
    if (!row[0].is_null())
      out.emplace_back(row[0].c_str());
  return out;
}

double subscribe_once(ws_client& ws, const std::string& chat) {
  auto start = std::chrono::steady_clock::now();
  ws.send_text(json{{"type", "subscribe"}, {"chat_id", chat}}.dump());
  for (;;) {
    auto frame = ws.read_text(std::chrono::seconds(30));
    if (!frame)
      throw std::runtime_error("no snapshot for chat " + chat);
    if (json::parse(*frame)["type"] == "snapshot")
      break;
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  ws.send_text(json{{"type", "unsubscribe"}, {"chat_id", chat}}.dump());
  return ms.count();
}

} // namespace boocode::test
