# The admin port of a BooCode node (docs/admin.md): operators inspect and steer
# the cluster's actors. Any node answers for the whole cluster.
#
# Every call carries `auth`. When the node requires a token (it listens on
# anything but loopback) a call without the right one fails with an exception
# whose description starts with "unauthorized:". Other failures start with
# "not_found:" (an unknown actor or node), "invalid_argument:" or
# "unavailable:" (a node that should answer did not), then a message for people.
@0x8e5844b40a090a18;

# Who asks, and with what right.
struct Auth {
  token @0 :Text;   # the node's --admin-token; empty when it needs none
  caller @1 :Text;  # who is asking (the CLI sends user@host); logged with every change
}

# A node of the cluster, as the nodes table and its heartbeat have it.
struct NodeInfo {
  id @0 :Text;
  httpAddress @1 :Text;       # where browsers and the API reach it (http://host:port)
  clusterAddress @2 :Text;    # where the other nodes reach it (host:port, CAF)
  adminAddress @3 :Text;      # its admin port (host:port)
  state @4 :Text;             # up, draining, stopped or dead
  heartbeatAgeMs @5 :UInt64;  # time since its last heartbeat, by the database's clock
  actors @6 :UInt32;          # actors it owns (leases)
  version @7 :Text;           # its BooCode version
  pid @8 :Int32;              # its process id on its machine
  startedAt @9 :Text;         # ISO 8601 UTC
}

# An actor (today: a chat's session, kind "session"; its id is the chat id).
struct ActorInfo {
  id @0 :Text;
  kind @1 :Text;
  owner @2 :Text;         # the node that owns it ("" when none does)
  state @3 :Text;         # running (a turn runs), idle (loaded, no turn), unloaded (not
                          # in memory: it loads on first use), stopped (by an operator,
                          # until restart), restarting, failed, unowned (no live node owns
                          # it: the next use claims it) or unknown (its node did not answer)
  turn @4 :Int32;         # its last turn (the one running, if one runs)
  mailbox @5 :UInt32;     # user messages waiting for a turn
  restarts @6 :UInt32;    # crashes in the supervisor's current window
  lastActivity @7 :Text;  # ISO 8601 UTC: its last checkpoint, journal step or message
  epoch @8 :Int64;        # its lease's epoch
}

# Filters of `actors`; an empty field matches everything.
struct ActorFilter {
  kind @0 :Text;
  id @1 :Text;     # exact id
  node @2 :Text;   # owner node id
  state @3 :Text;  # one of ActorInfo.state
}

# A step of the turn in progress (see docs/durability.md).
struct JournalEntry {
  turn @0 :Int32;
  step @1 :Text;      # "r1" (model reply), "t1.0" (a tool call), "b1" (a build), "" (start)
  kind @2 :Text;      # start, message, intent or build
  payload @3 :Text;   # the step as JSON
  createdAt @4 :Text; # ISO 8601 UTC
}

# A user message waiting in the actor's inbox.
struct MailboxEntry {
  id @0 :Int64;
  clientId @1 :Text;
  content @2 :Text;
  createdAt @3 :Text;
  takenTurn @4 :Int32;  # the turn that took it (running), or -1 while it waits
}

# One actor in detail.
struct ActorDetail {
  info @0 :ActorInfo;
  snapshot @1 :Text;                 # its agent_snapshots row as JSON ({} before its first turn)
  journal @2 :List(JournalEntry);    # the last steps of the turn in progress, oldest first
  mailbox @3 :List(MailboxEntry);    # its unconsumed inbox, oldest first
  subscribers @4 :List(Text);        # the connections watching it (node and actor id)
}

interface Admin {
  # Every node of the cluster.
  nodes @0 (auth :Auth) -> (nodes :List(NodeInfo));
  # The cluster's actors that match `filter`, by id.
  actors @1 (auth :Auth, filter :ActorFilter) -> (actors :List(ActorInfo));
  # One actor: its state, journal tail, mailbox and subscribers.
  inspect @2 (auth :Auth, id :Text) -> (actor :ActorDetail);
  # Moves an actor to `node` at its next turn boundary; false when it is there already.
  migrate @3 (auth :Auth, id :Text, node :Text) -> (moved :Bool);
  # Starts a stopped or failed actor again; false when it runs.
  restart @4 (auth :Auth, id :Text) -> (restarted :Bool);
  # Stops an actor: a running turn is cancelled (and checkpointed); it stays
  # stopped, its messages waiting, until `restart`. False when it was not running.
  stop @5 (auth :Auth, id :Text) -> (stopped :Bool);
  # Moves every actor off `node`, then stops it; how many moved.
  drain @6 (auth :Auth, node :Text) -> (moved :UInt32);
}
