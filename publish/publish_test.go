package publish_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/bookingserver/bookingserver/feeds"
	"github.com/bookingserver/bookingserver/publish"
	"github.com/bookingserver/bookingserver/publish/publishtest"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// bundle is a store with the fixture, an SFTP server and one dropbox dir per feed.
type bundle struct {
	cfg  publish.Config
	dirs map[feeds.ExportKind]string
	srv  *publishtest.Server
}

// setup loads the fixture into st and starts an SFTP server on addr.
func setup(t *testing.T, addr string, st store.Backend) *bundle {
	t.Helper()
	storetest.LoadFixture(t, st)
	key := publishtest.NewKey(t)
	srv := publishtest.Start(t, addr, key.PublicKey())
	hk, err := knownhosts.New(srv.KnownHosts(t, srv.HostKey.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{srv: srv, dirs: map[feeds.ExportKind]string{}, cfg: publish.Config{
		Exporter: st, Auth: publish.Auth{Signer: key, HostKey: hk}, ShardRecords: 2,
		Dropboxes: map[feeds.ExportKind]publish.Dropbox{},
	}}
	for _, k := range publish.Kinds {
		b.dirs[k] = t.TempDir()
		d, err := publish.ParseDropbox("sftp://feeds-" + string(k) + "@" + srv.Addr + b.dirs[k])
		if err != nil {
			t.Fatal(err)
		}
		b.cfg.Dropboxes[k] = d
	}
	return b
}

// TestPublishUploadsCompleteFeeds: the three feeds land in their dropboxes under
// their final names (no temporary file left), availability in two shards with one
// nonce; the recorded sizes and sha256 are the files'; every shard validates; each
// store exports.
func TestPublishUploadsCompleteFeeds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, publishUploadsCompleteFeeds)
}

func publishUploadsCompleteFeeds(t *testing.T, st store.Backend) {
	b := setup(t, "127.0.0.1:0", st)
	p, err := publish.New(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub := p.Publish(t.Context(), "api")
	if pub.Outcome != "ok" || len(pub.Feeds) != 3 {
		t.Fatalf("publication %+v", pub)
	}
	var merchants, services []byte
	for _, fu := range pub.Feeds {
		entries, _ := os.ReadDir(b.dirs[fu.Kind])
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		want := 1
		if fu.Kind == feeds.ExportAvailability {
			want = 2
		}
		if len(fu.Files) != want || len(names) != want {
			t.Fatalf("%s: files %v, in the dropbox %v", fu.Kind, fu.Files, names)
		}
		for i, f := range fu.Files {
			if f.Name != fmt.Sprintf("%s_%d_%dof%d.json", fu.Kind, fu.GenerationTimestamp, i+1, want) || !slices.Contains(names, f.Name) {
				t.Errorf("file %q, dropbox %v", f.Name, names)
			}
			raw, err := os.ReadFile(filepath.Join(b.dirs[fu.Kind], f.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(raw)
			if int64(len(raw)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Errorf("%s: recorded %d bytes %s, file has %d %x", f.Name, f.Bytes, f.SHA256, len(raw), sum)
			}
			switch fu.Kind {
			case feeds.ExportMerchant:
				merchants = raw
			case feeds.ExportService:
				services = raw
			default:
				mf, _ := feeds.ParseMerchantFeed(merchants)
				sf, _ := feeds.ParseServiceFeed(services)
				af, err := feeds.ParseAvailabilityFeed(raw)
				if err != nil {
					t.Fatal(err)
				}
				if err := feeds.ValidateAvailabilityFeed(af, feeds.NewCatalog(mf, sf)); err != nil {
					t.Errorf("%s: %v", f.Name, err)
				}
				if af.GetMetadata().GetNonce() != fu.Nonce || af.GetMetadata().GetTotalShards() != 2 {
					t.Errorf("%s: metadata %v, nonce %d", f.Name, af.GetMetadata(), fu.Nonce)
				}
			}
		}
	}
	if s := p.Stats(); s.Succeeded != 1 || s.ConsecutiveFailures != 0 || s.Bytes == 0 || s.LastSuccess.IsZero() {
		t.Errorf("stats %+v", s)
	}
	if got := p.Publications(); len(got) != 1 || got[0].Trigger != "api" {
		t.Errorf("publications %+v", got)
	}
}

// TestPublishRefusesUnknownHostKey: a dropbox whose host key is not the one in
// known_hosts gets nothing, and the publication is recorded as failed. The store
// plays no part: bbolt only.
func TestPublishRefusesUnknownHostKey(t *testing.T) {
	t.Parallel()
	b := setup(t, "127.0.0.1:0", storetest.New(t))
	hk, err := knownhosts.New(b.srv.KnownHosts(t, publishtest.NewKey(t).PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	b.cfg.Auth.HostKey = hk
	p, err := publish.New(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub := p.Publish(t.Context(), "api")
	if pub.Outcome != "failed" || !strings.Contains(pub.Feeds[0].Error, "key mismatch") {
		t.Fatalf("publication %+v", pub)
	}
	for _, d := range b.dirs {
		if entries, _ := os.ReadDir(d); len(entries) != 0 {
			t.Errorf("%s has %v", d, entries)
		}
	}
	if s := p.Stats(); s.Failed != 1 || s.ConsecutiveFailures != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestPublicationsSurviveRestart: with a log (the store), a new publisher shows the
// earlier publications and keeps counting failures since the last success, so the
// alert holds across a restart; on each store.
func TestPublicationsSurviveRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, publicationsSurviveRestart)
}

func publicationsSurviveRestart(t *testing.T, st store.Backend) {
	b := setup(t, "127.0.0.1:0", st)
	b.cfg.Log = st.(publish.Log) // both stores keep it, beside store.Backend
	p, err := publish.New(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if pub := p.Publish(t.Context(), "api"); pub.Outcome != "ok" {
		t.Fatalf("publication %+v", pub)
	}
	hk, err := knownhosts.New(b.srv.KnownHosts(t, publishtest.NewKey(t).PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	b.cfg.Auth.HostKey = hk
	if p, err = publish.New(b.cfg); err != nil {
		t.Fatal(err)
	}
	if pub := p.Publish(t.Context(), "schedule"); pub.Outcome != "failed" {
		t.Fatalf("publication %+v", pub)
	}
	p, err = publish.New(b.cfg) // the restart
	if err != nil {
		t.Fatal(err)
	}
	pubs := p.Publications()
	if len(pubs) != 2 || pubs[0].Outcome != "failed" || pubs[1].Outcome != "ok" || pubs[1].Feeds[0].Files[0].SHA256 == "" {
		t.Fatalf("publications after the restart: %+v", pubs)
	}
	if s := p.Stats(); s.ConsecutiveFailures != 1 || !s.LastSuccess.Equal(pubs[1].FinishedAt) {
		t.Fatalf("stats after the restart %+v", s)
	}
}

// TestRunRetriesFailedPublication: the daily run finds the dropbox down, retries with
// backoff, and publishes once it is up. The schedule is the publisher's, not the
// store's: bbolt only.
func TestRunRetriesFailedPublication(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // down until the first failure is seen
	key := publishtest.NewKey(t)
	st := storetest.New(t)
	storetest.LoadFixture(t, st)
	dir := t.TempDir()
	d, _ := publish.ParseDropbox("sftp://feeds@" + addr + dir)
	var srv atomic.Pointer[publishtest.Server]
	hostKeys := func(host string, remote net.Addr, k ssh.PublicKey) error { // the server's key, once it exists
		if s := srv.Load(); s == nil || string(k.Marshal()) != string(s.HostKey.PublicKey().Marshal()) {
			return fmt.Errorf("unexpected host key")
		}
		return nil
	}
	now := time.Now().UTC()
	p, err := publish.New(publish.Config{
		Exporter: st, Auth: publish.Auth{Signer: key, HostKey: hostKeys},
		Dropboxes: map[feeds.ExportKind]publish.Dropbox{feeds.ExportMerchant: d},
		At:        now.Sub(now.Truncate(24*time.Hour)) + 200*time.Millisecond, RetryBase: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(t.Context())
	deadline := time.Now().Add(10 * time.Second)
	for p.Stats().Failed == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	srv.Store(publishtest.Start(t, addr, key.PublicKey()))
	for p.Stats().Succeeded == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	pubs := p.Publications()
	if len(pubs) < 2 || pubs[0].Outcome != "ok" || pubs[0].Trigger != "retry" || pubs[len(pubs)-1].Trigger != "schedule" {
		t.Fatalf("publications %+v", pubs)
	}
}
