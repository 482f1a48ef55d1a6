package ring

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Peer is an initial Raft voter: its member ID, the gRPC address that serves its Ring service
// and its Raft transport address.
type Peer struct {
	ID       string `yaml:"id"`
	Addr     string `yaml:"addr"`
	RaftAddr string `yaml:"raft_addr"`
}

// Config configures a ring Node (a Raft member, normally an ingester).
type Config struct {
	// ID names this member in the ring and in the Raft group; stable across restarts.
	ID string `yaml:"id"`
	// Addr is the advertised gRPC address (host:port) serving Pusher, Querier and Ring.
	Addr string `yaml:"addr"`
	// RaftBindAddr is the TCP address the Raft transport listens on.
	RaftBindAddr string `yaml:"raft_bind_addr"`
	// RaftAdvertiseAddr is the Raft address other members dial; RaftBindAddr when empty.
	RaftAdvertiseAddr string `yaml:"raft_advertise_addr"`
	// Dir holds the Raft log (raft.db) and snapshots.
	Dir string `yaml:"dir"`
	// Peers are the initial voters. A blank node listed here bootstraps the group with all of
	// them unless a running cluster answers; a node not listed joins as a non-voter. Empty: this
	// node alone (the one-process default).
	Peers []Peer `yaml:"peers"`
	// JoinAddrs are extra gRPC addresses of members to contact to join (besides Peers).
	JoinAddrs []string `yaml:"join_addrs"`
	// NumTokens is how many tokens a new member claims.
	NumTokens int `yaml:"num_tokens"`
	// ReplicationFactor is the number of members each stream is written to.
	ReplicationFactor int `yaml:"replication_factor"`
	// HeartbeatPeriod is how often the member heartbeats through the leader.
	HeartbeatPeriod time.Duration `yaml:"heartbeat_period"`
	// HeartbeatTimeout: a member whose last heartbeat is older is unhealthy. 0 disables.
	HeartbeatTimeout time.Duration `yaml:"heartbeat_timeout"`
	// RaftHeartbeatTimeout and RaftElectionTimeout are hashicorp/raft's; keep both >= 500ms on
	// busy machines or leadership flaps.
	RaftHeartbeatTimeout time.Duration `yaml:"raft_heartbeat_timeout"`
	RaftElectionTimeout  time.Duration `yaml:"raft_election_timeout"`
	// ApplyTimeout bounds one Raft command or membership RPC attempt.
	ApplyTimeout time.Duration `yaml:"apply_timeout"`
	// SnapshotThreshold is how many log entries trigger a snapshot, checked every
	// SnapshotInterval; TrailingLogs entries stay in the log after one (so a follower that is
	// a little behind catches up from the log rather than from a snapshot).
	SnapshotThreshold uint64        `yaml:"snapshot_threshold"`
	SnapshotInterval  time.Duration `yaml:"snapshot_interval"`
	TrailingLogs      uint64        `yaml:"trailing_logs"`

	// RaftListener, when set, is used by the Raft transport instead of binding RaftBindAddr
	// (tests bind port 0 first to learn the address).
	RaftListener net.Listener `yaml:"-"`
}

// RegisterFlags registers the flags under prefix (e.g. "ring.") and sets the defaults.
func (c *Config) RegisterFlags(prefix string, fs *flag.FlagSet) {
	host, _ := os.Hostname()
	fs.StringVar(&c.ID, prefix+"id", host, "Member ID, stable across restarts.")
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:9095", "Advertised gRPC address of this member (host:port).")
	fs.StringVar(&c.RaftBindAddr, prefix+"raft-bind-addr", "127.0.0.1:9096", "Raft transport listen address (host:port).")
	fs.StringVar(&c.RaftAdvertiseAddr, prefix+"raft-advertise-addr", "", "Raft address other members dial; empty: the bind address.")
	fs.StringVar(&c.Dir, prefix+"dir", "data/raft", "Directory of the Raft log and snapshots.")
	fs.Var(peersFlag{&c.Peers}, prefix+"peers", "Initial Raft voters, comma-separated id@grpc_addr@raft_addr; empty: this node alone.")
	fs.Var(stringsFlag{&c.JoinAddrs}, prefix+"join-addrs", "Comma-separated gRPC addresses of members to join through, besides the peers.")
	fs.IntVar(&c.NumTokens, prefix+"num-tokens", 128, "Tokens a new member claims on the ring.")
	fs.IntVar(&c.ReplicationFactor, prefix+"replication-factor", 1, "Members each stream is written to (3 in a cluster).")
	fs.DurationVar(&c.HeartbeatPeriod, prefix+"heartbeat-period", 5*time.Second, "How often a member heartbeats.")
	fs.DurationVar(&c.HeartbeatTimeout, prefix+"heartbeat-timeout", time.Minute, "Heartbeat age after which a member is unhealthy; 0 never.")
	fs.DurationVar(&c.RaftHeartbeatTimeout, prefix+"raft-heartbeat-timeout", time.Second, "Raft follower heartbeat timeout.")
	fs.DurationVar(&c.RaftElectionTimeout, prefix+"raft-election-timeout", time.Second, "Raft election timeout.")
	fs.DurationVar(&c.ApplyTimeout, prefix+"apply-timeout", 5*time.Second, "Timeout of one Raft command or membership call.")
	fs.Uint64Var(&c.SnapshotThreshold, prefix+"snapshot-threshold", 8192, "Raft log entries between snapshots.")
	fs.DurationVar(&c.SnapshotInterval, prefix+"snapshot-interval", 2*time.Minute, "How often Raft checks whether to snapshot.")
	fs.Uint64Var(&c.TrailingLogs, prefix+"trailing-logs", 10240, "Raft log entries kept after a snapshot.")
}

// Validate checks the configuration and fills derived fields (RaftAdvertiseAddr, Peers).
func (c *Config) Validate() error {
	if c.ID == "" {
		return errors.New("ring: id is required")
	}
	if c.Addr == "" {
		return errors.New("ring: addr is required")
	}
	if c.RaftListener != nil && c.RaftBindAddr == "" {
		c.RaftBindAddr = c.RaftListener.Addr().String()
	}
	if c.RaftBindAddr == "" {
		return errors.New("ring: raft_bind_addr is required")
	}
	if c.RaftAdvertiseAddr == "" {
		c.RaftAdvertiseAddr = c.RaftBindAddr
	}
	if host, _, err := net.SplitHostPort(c.RaftAdvertiseAddr); err != nil {
		return fmt.Errorf("ring: raft advertise address %q: %w", c.RaftAdvertiseAddr, err)
	} else if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("ring: raft advertise address %q is unspecified; set raft_advertise_addr", c.RaftAdvertiseAddr)
	}
	if c.Dir == "" {
		return errors.New("ring: dir is required")
	}
	if len(c.Peers) == 0 && len(c.JoinAddrs) == 0 {
		c.Peers = []Peer{{ID: c.ID, Addr: c.Addr, RaftAddr: c.RaftAdvertiseAddr}}
	}
	seen := map[string]bool{}
	for _, p := range c.Peers {
		if p.ID == "" || p.Addr == "" || p.RaftAddr == "" {
			return fmt.Errorf("ring: peer %+v needs id, addr and raft_addr", p)
		}
		if seen[p.ID] {
			return fmt.Errorf("ring: peer %q listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	if c.NumTokens <= 0 {
		return errors.New("ring: num_tokens must be positive")
	}
	if c.ReplicationFactor <= 0 {
		return errors.New("ring: replication_factor must be positive")
	}
	if c.HeartbeatPeriod <= 0 {
		return errors.New("ring: heartbeat_period must be positive")
	}
	if c.HeartbeatTimeout != 0 && c.HeartbeatTimeout <= c.HeartbeatPeriod {
		return errors.New("ring: heartbeat_timeout must exceed heartbeat_period")
	}
	if c.RaftHeartbeatTimeout <= 0 || c.RaftElectionTimeout <= 0 || c.ApplyTimeout <= 0 {
		return errors.New("ring: raft timeouts and apply_timeout must be positive")
	}
	if c.SnapshotThreshold == 0 || c.SnapshotInterval <= 0 {
		return errors.New("ring: snapshot_threshold and snapshot_interval must be positive")
	}
	if c.RaftElectionTimeout < c.RaftHeartbeatTimeout {
		return errors.New("ring: raft_election_timeout must be at least raft_heartbeat_timeout")
	}
	return nil
}

// voter reports whether this node is one of the initial voters.
func (c *Config) voter() bool {
	for _, p := range c.Peers {
		if p.ID == c.ID {
			return true
		}
	}
	return false
}

// seeds are the gRPC addresses of other members to contact.
func (c *Config) seeds() []string {
	var out []string
	for _, p := range c.Peers {
		if p.ID != c.ID {
			out = append(out, p.Addr)
		}
	}
	for _, a := range c.JoinAddrs {
		if a != c.Addr {
			out = append(out, a)
		}
	}
	return out
}

// ParsePeers parses id@grpc_addr@raft_addr[,…].
func ParsePeers(s string) ([]Peer, error) {
	var out []Peer
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		parts := strings.Split(f, "@")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("parse peer %q: want id@grpc_addr@raft_addr", f)
		}
		out = append(out, Peer{ID: parts[0], Addr: parts[1], RaftAddr: parts[2]})
	}
	return out, nil
}

type peersFlag struct{ p *[]Peer }

func (f peersFlag) String() string {
	if f.p == nil {
		return ""
	}
	var b []string
	for _, p := range *f.p {
		b = append(b, p.ID+"@"+p.Addr+"@"+p.RaftAddr)
	}
	return strings.Join(b, ",")
}

func (f peersFlag) Set(s string) error {
	ps, err := ParsePeers(s)
	if err != nil {
		return err
	}
	*f.p = ps
	return nil
}

type stringsFlag struct{ p *[]string }

func (f stringsFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strings.Join(*f.p, ",")
}

func (f stringsFlag) Set(s string) error {
	*f.p = nil
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			*f.p = append(*f.p, a)
		}
	}
	return nil
}
