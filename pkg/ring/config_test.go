package ring

import (
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParsePeers(t *testing.T) {
	f := func(in string, want []Peer, wantErr bool) {
		t.Helper()
		got, err := ParsePeers(in)
		if (err != nil) != wantErr {
			t.Fatalf("ParsePeers(%q) err %v", in, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ParsePeers(%q) = %v, want %v", in, got, want)
		}
	}
	f("", nil, false)
	f("a@h1:9095@h1:9096", []Peer{{"a", "h1:9095", "h1:9096"}}, false)
	f(" a@h1:1@h1:2 , b@h2:1@h2:2,", []Peer{{"a", "h1:1", "h1:2"}, {"b", "h2:1", "h2:2"}}, false)
	f("a@h1:1", nil, true)
	f("@h1:1@h1:2", nil, true)
	f("a@h1:1@h1:2@x", nil, true)
}

func FuzzParsePeers(f *testing.F) {
	for _, s := range []string{"", "a@h1:9095@h1:9096", " a@h1:1@h1:2 , b@h2:1@h2:2,", "a@h1:1", "@h1:1@h1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePeers(s)
		if err != nil {
			return
		}
		// What parses prints back to something that parses the same.
		again, err := ParsePeers(peersFlag{&ps}.String())
		if err != nil || !slices.Equal(ps, again) {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}

func TestConfigFlagsAndValidate(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags("ring.", fs)
	if err := fs.Parse([]string{"-ring.id=i1", "-ring.dir=" + t.TempDir(), "-ring.join-addrs=h:1, h:2"}); err != nil {
		t.Fatal(err)
	}
	if c.NumTokens != 128 || c.HeartbeatPeriod != 5*time.Second || c.HeartbeatTimeout != time.Minute {
		t.Errorf("defaults %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.voter() || !slices.Equal(c.seeds(), []string{"h:1", "h:2"}) || c.RaftAdvertiseAddr != c.RaftBindAddr {
		t.Errorf("validated %+v", c)
	}

	// Alone: the node is its own single voter.
	alone := c
	alone.JoinAddrs = nil
	if err := alone.Validate(); err != nil || !alone.voter() || len(alone.Peers) != 1 || len(alone.seeds()) != 0 {
		t.Errorf("single node %+v: %v", alone, err)
	}

	bad := func(mod func(*Config), want string) {
		t.Helper()
		b := c
		mod(&b)
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error with %q, got %v", want, err)
		}
	}
	bad(func(b *Config) { b.ID = "" }, "id is required")
	bad(func(b *Config) { b.RaftElectionTimeout = b.RaftHeartbeatTimeout / 2 }, "raft_election_timeout")
	bad(func(b *Config) { b.RaftAdvertiseAddr = "0.0.0.0:9096" }, "unspecified")
	bad(func(b *Config) { b.HeartbeatTimeout = b.HeartbeatPeriod }, "heartbeat_timeout")
	bad(func(b *Config) { b.Peers = []Peer{{ID: "a", Addr: "x:1"}} }, "needs id, addr and raft_addr")
	bad(func(b *Config) { b.Peers = []Peer{{"a", "x:1", "x:2"}, {"a", "y:1", "y:2"}} }, "listed twice")
}

func TestWatcherConfig(t *testing.T) {
	var c WatcherConfig
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags("ring.watch.", fs)
	if err := c.Validate(); err == nil {
		t.Fatal("no addresses accepted")
	}
	if err := fs.Parse([]string{"-ring.watch.addrs=a:1,b:2", "-ring.watch.replication-factor=3"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Addrs, []string{"a:1", "b:2"}) || c.ReplicationFactor != 3 || c.IdleTimeout != 30*time.Second {
		t.Fatalf("%+v", c)
	}
}
