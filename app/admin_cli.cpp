#include "app/admin_cli.hpp"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net/admin_client.hpp"

namespace boocode {

namespace {

struct usage_error {
  std::string message;
};

struct admin_args {
  net::admin_address to;
  std::string token;
  bool json = false;
  std::string command;
  std::vector<std::string> operands;
  std::string node_filter;
  std::string kind_filter;
};

admin_args parse(const std::vector<std::string>& args) {
  admin_args a;
  if (const char* t = std::getenv("BOOCODE_ADMIN_TOKEN"))
    a.token = t;
  if (const char* ca = std::getenv("BOOCODE_ADMIN_CA"); ca != nullptr && *ca != '\0') {
    a.to.tls = true;
    a.to.ca = ca;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    auto value = [&](const std::string& flag) {
      if (i + 1 >= args.size())
        throw usage_error{flag + " needs a value"};
      return args[++i];
    };
    if (arg == "--connect") {
      auto v = value(arg);
      auto colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0)
        throw usage_error{"--connect: expected HOST:PORT, got '" + v + "'"};
      a.to.host = v.substr(0, colon);
      if (a.to.host.size() > 2 && a.to.host.front() == '[' && a.to.host.back() == ']')
        a.to.host = a.to.host.substr(1, a.to.host.size() - 2);
      char* end = nullptr;
      auto port = std::strtoul(v.c_str() + colon + 1, &end, 10);
      if (*end != '\0' || port == 0 || port > 65535)
        throw usage_error{"--connect: bad port in '" + v + "'"};
      a.to.port = static_cast<uint16_t>(port);
    } else if (arg == "--token") {
      a.token = value(arg);
    } else if (arg == "--tls") {
      a.to.tls = true;
    } else if (arg == "--ca") {
      a.to.tls = true;
      a.to.ca = value(arg);
    } else if (arg == "--server-name") {
      a.to.server_name = value(arg);
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--node" && a.command == "actors") {
      a.node_filter = value(arg);
    } else if (arg == "--kind" && a.command == "actors") {
      a.kind_filter = value(arg);
    } else if (arg.starts_with("--")) {
      throw usage_error{"unknown flag '" + arg + "'; try 'boocode admin --help'"};
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.operands.push_back(arg);
    }
  }
  static const std::map<std::string, size_t> operands = {
    {"nodes", 0},   {"actors", 0}, {"inspect", 1}, {"migrate", 2},
    {"restart", 1}, {"stop", 1},   {"drain", 1}};
  if (a.command.empty())
    throw usage_error{"missing command; try 'boocode admin --help'"};
  auto it = operands.find(a.command);
  if (it == operands.end())
    throw usage_error{"unknown command '" + a.command + "'; try 'boocode admin --help'"};
  if (a.operands.size() != it->second)
    throw usage_error{
      fmt::format("'{}' takes {} argument(s), got {}", a.command, it->second, a.operands.size())};
  return a;
}

/// Columns padded to their widest cell.
std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (auto& r : rows)
      width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c)
      out += c + 1 == cells.size() ? cells[c] : fmt::format("{:<{}}  ", cells[c], width[c]);
    return out + "\n";
  };
  std::string out = line(head);
  for (auto& r : rows)
    out += line(r);
  return out;
}

nlohmann::json to_json(const admin::node_info& n) {
  return {{"id", n.id},
          {"http_address", n.http_address},
          {"cluster_address", n.cluster_address},
          {"admin_address", n.admin_address},
          {"state", n.state},
          {"heartbeat_age_ms", n.heartbeat_age_ms},
          {"actors", n.actors},
          {"version", n.version},
          {"pid", n.pid},
          {"started_at", n.started_at}};
}

nlohmann::json to_json(const admin::actor_info& a) {
  return {{"id", a.id},
          {"kind", protocol::to_string(a.kind)},
          {"owner", a.owner},
          {"state", protocol::to_string(a.state)},
          {"turn", a.turn},
          {"mailbox", a.mailbox},
          {"restarts", a.restarts},
          {"last_activity", a.last_activity},
          {"epoch", a.epoch}};
}

std::string caller_name() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}@{}", user != nullptr ? user : "unknown", host);
}

/// Prints `r`'s value with `show`, or its error; the exit code.
template <class T, class Show>
int report(const admin::result<T>& r, Show show) {
  if (auto* e = std::get_if<admin::error>(&r)) {
    std::cerr << "boocode admin: " << e->code << ": " << e->message << '\n';
    return 1;
  }
  show(std::get<T>(r));
  return 0;
}

} // namespace

std::string admin_help_text() {
  return R"(usage: boocode admin [--connect HOST:PORT] [--token T] [--tls | --ca FILE] [--json] COMMAND

Asks a node's admin port about the whole cluster (docs/admin.md).

commands:
  nodes                              the cluster's nodes
  actors [--node N] [--kind K]       its actors (state, turn, mailbox, restarts, ...)
  inspect ID                         one actor: snapshot, journal tail, mailbox, subscribers
  migrate ID NODE                    move an actor to NODE at its next turn boundary
  restart ID                         start a stopped or failed actor again
  stop ID                            stop an actor (its running turn is cancelled)
  drain NODE                         move every actor off NODE, then stop NODE

options:
  --connect HOST:PORT   the node's admin port (default 127.0.0.1:8081)
  --token T             its admin token (default: BOOCODE_ADMIN_TOKEN)
  --tls                 speak TLS, trusting the system's certificate authorities
  --ca FILE             speak TLS, trusting this CA certificate (default: BOOCODE_ADMIN_CA)
  --server-name NAME    the DNS name the node's certificate must carry (default: the
                        --connect host; an IP address needs a name, e.g. localhost)
  --json                print JSON instead of tables

exit codes: 0 done, 1 refused or failed, 2 bad usage
)";
}

int admin_command(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::cout << admin_help_text();
    return 0;
  }
  admin_args a;
  try {
    a = parse(args);
  } catch (const usage_error& e) {
    std::cerr << "boocode admin: " << e.message << '\n';
    return 2;
  }
  std::unique_ptr<admin::admin_service> client;
  try {
    client = net::connect_admin(a.to, a.token, caller_name());
  } catch (const std::exception& e) {
    std::cerr << "boocode admin: " << e.what() << '\n';
    return 1;
  }
  const auto& cmd = a.command;
  if (cmd == "nodes")
    return report(client->nodes(), [&](const std::vector<admin::node_info>& nodes) {
      if (a.json) {
        auto out = nlohmann::json::array();
        for (auto& n : nodes)
          out.push_back(to_json(n));
        std::cout << out.dump(2) << '\n';
        return;
      }
      std::vector<std::vector<std::string>> rows;
      rows.reserve(nodes.size());
      for (auto& n : nodes)
        rows.push_back({n.id, n.state, fmt::format("{:.1f}s", n.heartbeat_age_ms / 1000.0),
                        std::to_string(n.actors), n.http_address, n.cluster_address,
                        n.admin_address});
      std::cout << table({"NODE", "STATE", "HEARTBEAT", "ACTORS", "HTTP", "CLUSTER", "ADMIN"},
                         rows);
    });
  if (cmd == "actors")
    return report(
      client->actors({a.kind_filter, "", a.node_filter, ""}),
      [&](const std::vector<admin::actor_info>& actors) {
        if (a.json) {
          auto out = nlohmann::json::array();
          for (auto& x : actors)
            out.push_back(to_json(x));
          std::cout << out.dump(2) << '\n';
          return;
        }
        std::vector<std::vector<std::string>> rows;
        rows.reserve(actors.size());
        for (auto& x : actors)
          rows.push_back({x.id, std::string(protocol::to_string(x.kind)),
                          x.owner.empty() ? "-" : x.owner,
                          std::string(protocol::to_string(x.state)), std::to_string(x.turn),
                          std::to_string(x.mailbox), std::to_string(x.restarts), x.last_activity});
        std::cout << table(
          {"ID", "KIND", "NODE", "STATE", "TURN", "MAILBOX", "RESTARTS", "LAST ACTIVITY"}, rows);
      });
  if (cmd == "inspect")
    return report(client->inspect(a.operands[0]), [&](const admin::actor_detail& d) {
      auto journal = nlohmann::json::array();
      for (auto& j : d.journal)
        journal.push_back({{"turn", j.turn},
                           {"step", j.step},
                           {"kind", j.kind},
                           {"payload", nlohmann::json::parse(j.payload, nullptr, false)},
                           {"created_at", j.created_at}});
      auto mailbox = nlohmann::json::array();
      for (auto& m : d.mailbox)
        mailbox.push_back(
          {{"id", m.id},
           {"client_id", m.client_id},
           {"content", m.content},
           {"created_at", m.created_at},
           {"taken_turn", m.taken_turn < 0 ? nlohmann::json() : nlohmann::json(m.taken_turn)}});
      auto out = to_json(d.info);
      out["snapshot"] = nlohmann::json::parse(d.snapshot, nullptr, false);
      out["journal"] = journal;
      out["mailbox"] = mailbox;
      out["subscribers"] = d.subscribers;
      if (a.json) {
        std::cout << out.dump(2) << '\n';
        return;
      }
      std::cout << table(
        {"ID", "KIND", "NODE", "STATE", "TURN", "MAILBOX", "RESTARTS", "EPOCH"},
        {{d.info.id, std::string(protocol::to_string(d.info.kind)),
          d.info.owner.empty() ? "-" : d.info.owner, std::string(protocol::to_string(d.info.state)),
          std::to_string(d.info.turn), std::to_string(d.info.mailbox),
          std::to_string(d.info.restarts), std::to_string(d.info.epoch)}});
      std::cout << "\nlast activity: " << d.info.last_activity
                << "\nsubscribers: " << d.subscribers.size() << "\nsnapshot: " << d.snapshot
                << "\n\njournal (turn in progress):\n";
      for (auto& j : d.journal)
        std::cout << fmt::format("  {}  turn {} {:<5} {:<8} {}\n", j.created_at, j.turn, j.step,
                                 j.kind, j.payload.substr(0, 120));
      std::cout << "\nmailbox:\n";
      for (auto& m : d.mailbox)
        std::cout << fmt::format("  #{} {} {}\n", m.id, m.taken_turn < 0 ? "waiting" : "taken",
                                 m.content.substr(0, 120));
    });
  auto said = [&](const char* yes, const char* no) {
    return [&, yes, no](bool done) {
      if (a.json)
        std::cout << nlohmann::json{{"done", done}}.dump() << '\n';
      else
        std::cout << (done ? yes : no) << '\n';
    };
  };
  if (cmd == "migrate")
    return report(client->migrate(a.operands[0], a.operands[1], ""),
                  said("moved", "already there"));
  if (cmd == "restart")
    return report(client->restart(a.operands[0], ""), said("restarted", "already running"));
  if (cmd == "stop")
    return report(client->stop(a.operands[0], ""), said("stopped", "already stopped"));
  return report(client->drain(a.operands[0], ""), [&](uint32_t moved) {
    if (a.json)
      std::cout << nlohmann::json{{"moved", moved}}.dump() << '\n';
    else
      std::cout << fmt::format("drained: {} actor(s) moved; the node stops\n", moved);
  });
}

} // namespace boocode
