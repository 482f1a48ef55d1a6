// Package ring implements the ingester ring: members with tokens on a 32-bit hash ring, their
// states and heartbeats, the replication sets distributors write to and queriers read from, and
// the Raft group that keeps the ring's state.
//
// Three implementations of ReadRing exist:
//
//   - Static: a fixed ring for the one-process default and for tests.
//   - Node: a member of the Raft group (an ingester). It keeps the ring in a Raft state machine
//     (raft-boltdb stores, a TCP transport, snapshots), registers its own instance with tokens,
//     moves it JOINING → ACTIVE → LEAVING, heartbeats through the leader, serves the gRPC Ring
//     service (Watch, Status, Join, Remove, Apply) from its local state and forwards membership
//     RPCs to the leader.
//   - Watcher: a client (distributor, querier, ruler) that follows Ring.Watch on one member and
//     moves to another when that member dies.
//
// Health: a member whose last heartbeat is older than the heartbeat timeout is unhealthy.
// Replication sets skip unhealthy members and members whose state is not eligible for the
// operation (writes: JOINING and ACTIVE; reads: ACTIVE and LEAVING) and extend to the next
// distinct member clockwise.
//
// Distributors are not members: a DistributorLifecycler heartbeats a distributor entry (no
// tokens, never in a replication set) through a Watcher or a Node, which forward to the leader;
// entries expire when their heartbeat goes stale and leave on graceful shutdown. Their count
// (HealthyDistributors) divides per-tenant global rate limits.
//
// Safety of a wiped member: a node that starts with no Raft state under an ID that the running
// cluster knows never starts its Raft node (so it can neither vote nor answer as its old self)
// until the leader has removed the old incarnation from the Raft configuration; it then starts
// blank and is added back as a new server. docs/ring.md describes the protocol.
package ring
