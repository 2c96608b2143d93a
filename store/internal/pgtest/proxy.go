package pgtest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Proxy relays PostgreSQL connections from loopback TCP to the test database and,
// when told, loses one COMMIT or its answer: the failures of unknown outcome a
// store must survive (a connection lost after COMMIT was sent may or may not have
// committed). It reads the protocol's messages — a type byte and an int32 length
// that counts itself; the startup message has no type byte — to find the ones that
// run COMMIT: a simple query, or the Bind of a statement a Parse prepared with it.
// Its clients must not ask for TLS (URL sets sslmode=disable). It can also hold
// everything some connections send (Mute), and end its client as kill -9 would
// (Kill).
type Proxy struct {
	ln               net.Listener
	network, address string // the database's
	url              string

	mu     sync.Mutex
	armed  *Cut // the cut of the next COMMIT, nil when none is asked for
	conns  map[*proxied]struct{}
	muted  map[string]bool // application names whose connections' messages are held
	killed bool
	closed bool
	stop   chan struct{} // closed by close
	wg     sync.WaitGroup
}

// Loss is what an armed Proxy loses of the next COMMIT.
type Loss int

const (
	// LoseCommit cuts the connection instead of forwarding COMMIT: the transaction
	// never commits (the statement's text may have reached the server in a Parse;
	// the Bind that would run it does not).
	LoseCommit Loss = iota + 1
	// LoseCommitAnswer forwards COMMIT, waits for the server's answer and cuts the
	// connection instead of relaying it: the transaction committed (or failed) before
	// the client learns that it cannot know which.
	LoseCommitAnswer
	// AnswerCommitAmbiguously forwards COMMIT, waits for the server's answer and
	// replaces it with the error CockroachDB answers when it cannot know whether a
	// commit applied (SQLSTATE 40003, "result is ambiguous"), then relays the
	// server's ReadyForQuery: the connection stays usable.
	AnswerCommitAmbiguously
	// CommitAfterCut cuts the client's side when COMMIT arrives, and forwards the
	// COMMIT to the server only at Release: the transaction commits after its client
	// gave up (as when the client's deadline passes while the server is slow) —
	// unless the cancel request pgx sends for a connection it lost reached a
	// statement of it still running, which fails it.
	CommitAfterCut
	// SilenceAtCommit drops what the client sent since its last Sync when that
	// batch runs COMMIT, closes the client's side and keeps the server's open and
	// silent: the client froze, or its machine vanished, before its last round trip,
	// and the server, which never hears of it, keeps the transaction open, idle,
	// with its locks.
	SilenceAtCommit
)

// Cut is one armed cut.
type Cut struct {
	loss              Loss
	done, release     chan struct{}
	doneOnce, relOnce sync.Once
}

// Done is closed once the cut is made: the connection is closed (after the server
// answered, when it had the COMMIT), or (answering ambiguously) the client has the
// error.
func (c *Cut) Done() <-chan struct{} { return c.done }

func (c *Cut) finish() { c.doneOnce.Do(func() { close(c.done) }) }

// Release lets a CommitAfterCut's COMMIT go to the server.
func (c *Cut) Release() { c.relOnce.Do(func() { close(c.release) }) }

// Wait waits until the cut is made (Done), and fails t, saying what did not
// happen, if it is not within 10 s.
func (c *Cut) Wait(t testing.TB, what string) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal(what)
	}
}

// NewProxy starts a proxy to the database at databaseURL (a postgres:// URL whose
// host is a Unix socket directory, as .ci/pgcluster gives, or a TCP host) and stops
// it when the test ends.
func NewProxy(t testing.TB, databaseURL string) *Proxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(databaseURL)
	if err != nil {
		t.Fatalf("proxy: database url: %v", err)
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("proxy: database url: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &Proxy{ln: ln, conns: map[*proxied]struct{}{}, muted: map[string]bool{}, stop: make(chan struct{})}
	p.network, p.address = pgconn.NetworkAddress(cfg.Host, cfg.Port)
	q := u.Query()
	q.Del("host")
	q.Del("port")
	q.Set("sslmode", "disable")
	u.Host, u.RawQuery = ln.Addr().String(), q.Encode()
	p.url = u.String()
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// URL is the database's URL with the proxy's address (host=127.0.0.1 port=…).
func (p *Proxy) URL() string { return p.url }

// CutNextCommit arms the proxy: the next COMMIT that any connection runs through it
// loses what loss says, and only that one.
func (p *Proxy) CutNextCommit(loss Loss) *Cut {
	c := &Cut{loss: loss, done: make(chan struct{}), release: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = c
	return c
}

// Mute holds, from now on, every message of the connections whose startup named
// applicationName (application_name): the server never gets them, and their client
// waits for answers that never come — a connection the network stopped carrying.
func (p *Proxy) Mute(applicationName string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.muted[applicationName] = true
}

// Kill ends the client as kill -9 of its process would: the proxy takes no more
// connections and closes the client's side of each one, and the server's side once
// what the client sent reached the server (a COMMIT that CommitAfterCut holds goes
// on at its Release, as a message still in flight would).
func (p *Proxy) Kill() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.killed = true
	conns := make([]*proxied, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.client.Close() // fromClient's read fails and closes the server's side
	}
}

func (p *Proxy) isMuted(applicationName string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.muted[applicationName]
}

// armedWith reports whether the armed cut is loss's.
func (p *Proxy) armedWith(loss Loss) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.armed != nil && p.armed.loss == loss
}

// claim returns the armed cut, disarmed, when it is one of losses.
func (p *Proxy) claim(losses ...Loss) *Cut {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.armed
	if c == nil || !slices.Contains(losses, c.loss) {
		return nil
	}
	p.armed = nil
	return c
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		server, err := net.Dial(p.network, p.address)
		if err != nil {
			_ = client.Close()
			continue
		}
		c := &proxied{p: p, client: client, server: server, commits: map[string]bool{}}
		p.mu.Lock()
		if p.closed || p.killed {
			p.mu.Unlock()
			c.close()
			return
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Go(c.fromClient)
		p.wg.Go(c.fromServer)
	}
}

// close stops accepting, closes every connection and waits for their relays.
func (p *Proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	close(p.stop)
	conns := make([]*proxied, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	p.wg.Wait()
}

// proxied is one relayed connection.
type proxied struct {
	p              *Proxy
	client, server net.Conn
	// name is the application_name of the startup message; only fromClient uses it.
	name string
	// commits has the prepared statements (by name, "" the unnamed one) and
	// whether each is COMMIT; only fromClient uses it.
	commits map[string]bool
	// losing is the cut whose COMMIT went to the server: fromServer relays nothing
	// of the server's answer up to its ReadyForQuery, where it makes the cut.
	losing    atomic.Pointer[Cut]
	closeOnce sync.Once
}

func (c *proxied) close() {
	c.closeOnce.Do(func() {
		_ = c.client.Close()
		_ = c.server.Close()
		c.p.mu.Lock()
		delete(c.p.conns, c)
		c.p.mu.Unlock()
	})
}

// fromClient relays the client's messages to the server, making an armed cut at
// the first COMMIT.
func (c *proxied) fromClient() {
	r := bufio.NewReader(c.client)
	name, err := relayStartup(r, c.server)
	if err != nil {
		c.close()
		return
	}
	c.name = name
	var (
		answer *Cut // to lose the answer of the COMMIT queued on the server
		// batch has the messages since the last Sync, held while a SilenceAtCommit
		// is armed; batchCommits whether one of them runs COMMIT.
		batch        []byte
		batchCommits bool
	)
	for {
		msg, err := readMessage(r)
		if err != nil {
			c.close()
			return
		}
		if c.p.isMuted(c.name) {
			continue
		}
		typ := msg[0]
		commits := c.runsCommit(typ, msg[5:])
		if batch != nil || c.p.armedWith(SilenceAtCommit) {
			batch, batchCommits = append(batch, msg...), batchCommits || commits
			if typ != 'S' && typ != 'Q' {
				continue
			}
			if batchCommits {
				if cut := c.p.claim(SilenceAtCommit); cut != nil {
					_ = c.client.Close()
					cut.finish()
					return
				}
			}
			msg, commits, batch, batchCommits = batch, false, nil, false
		}
		if commits {
			if cut := c.p.claim(LoseCommit); cut != nil {
				c.close()
				cut.finish()
				return
			}
			if cut := c.p.claim(CommitAfterCut); cut != nil {
				c.commitAfterCut(cut, r, msg)
				return
			}
			if answer == nil {
				answer = c.p.claim(LoseCommitAnswer, AnswerCommitAmbiguously)
			}
		}
		// A Sync, or a simple query, asks the server to answer what came before it:
		// from then on the answer is not the client's.
		if answer != nil && (typ == 'S' || typ == 'Q') {
			c.losing.Store(answer)
			answer = nil
		}
		if _, err := c.server.Write(msg); err != nil {
			c.close()
			if cut := c.losing.Load(); cut != nil {
				cut.finish()
			}
			return
		}
	}
}

// commitAfterCut reads the client's messages from commit (a message that runs
// COMMIT) to the Sync that asks for their answer, closes the client's socket, and
// forwards them at the cut's Release; fromServer closes the server's socket once it
// answered.
func (c *proxied) commitAfterCut(cut *Cut, r *bufio.Reader, commit []byte) {
	held := commit
	for typ := commit[0]; typ != 'S' && typ != 'Q'; {
		msg, err := readMessage(r)
		if err != nil {
			c.close()
			cut.finish()
			return
		}
		held, typ = append(held, msg...), msg[0]
	}
	_ = c.client.Close()
	select {
	case <-cut.release:
	case <-c.p.stop:
	}
	c.losing.Store(cut)
	if _, err := c.server.Write(held); err != nil {
		c.close()
		cut.finish()
	}
}

// fromServer relays the server's messages to the client. Once a cut's COMMIT was
// sent it drops them up to the server's ReadyForQuery, where it cuts the connection
// or, answering ambiguously, relays the ReadyForQuery after the error 40003.
func (c *proxied) fromServer() {
	r := bufio.NewReader(c.server)
	for {
		msg, err := readMessage(r)
		cut := c.losing.Load()
		if err != nil {
			c.close()
			if cut != nil {
				cut.finish()
			}
			return
		}
		if cut != nil {
			if msg[0] != 'Z' {
				continue
			}
			c.losing.Store(nil)
			if cut.loss != AnswerCommitAmbiguously {
				c.close()
				cut.finish()
				return
			}
			msg = append(ambiguousResult(), msg...)
		}
		_, err = c.client.Write(msg)
		if cut != nil {
			cut.finish()
		}
		if err != nil {
			c.close()
			return
		}
	}
}

// ambiguousResult is the ErrorResponse CockroachDB sends when it cannot know
// whether a commit applied: its fields (a code byte and a string each) and a 0.
func ambiguousResult() []byte {
	var body []byte
	for _, f := range []struct {
		code  byte
		value string
	}{{'S', "ERROR"}, {'V', "ERROR"}, {'C', "40003"}, {'M', "result is ambiguous (pgtest proxy: the server's answer to COMMIT was dropped)"}} {
		body = append(append(append(body, f.code), f.value...), 0)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32([]byte{'E'}, uint32(4+len(body))), body...)
}

// runsCommit reports whether a client message of type typ runs COMMIT, noting the
// statements that Parse prepares.
func (c *proxied) runsCommit(typ byte, body []byte) bool {
	switch typ {
	case 'Q': // Query: the statement text
		query, _ := cstring(body)
		return isCommit(query)
	case 'P': // Parse: statement name, statement text, …
		name, rest := cstring(body)
		query, _ := cstring(rest)
		c.commits[name] = isCommit(query)
	case 'B': // Bind: portal name, statement name, …
		_, rest := cstring(body)
		name, _ := cstring(rest)
		return c.commits[name]
	}
	return false
}

func isCommit(query string) bool {
	return strings.EqualFold(strings.TrimRight(strings.TrimSpace(query), "; \t\n"), "COMMIT")
}

// cstring splits b after its first NUL-terminated string.
func cstring(b []byte) (string, []byte) {
	s, rest, _ := bytes.Cut(b, []byte{0})
	return string(s), rest
}

// relayStartup forwards the client's first message (its length, the protocol
// version, then parameter names and values, each NUL-terminated, and a NUL: no type
// byte) and returns its application_name.
func relayStartup(r *bufio.Reader, to io.Writer) (applicationName string, err error) {
	head := make([]byte, 4)
	if _, err := io.ReadFull(r, head); err != nil {
		return "", err
	}
	n := binary.BigEndian.Uint32(head)
	if n < 8 || n > 10000 {
		return "", fmt.Errorf("startup message of %d bytes", n)
	}
	msg := append(head, make([]byte, n-4)...)
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return "", err
	}
	for params := msg[8:]; len(params) > 1; {
		var name, value string
		name, params = cstring(params)
		value, params = cstring(params)
		if name == "application_name" {
			applicationName = value
		}
	}
	_, err = to.Write(msg)
	return applicationName, err
}

// maxMessage bounds a message's length: a corrupt stream fails instead of
// allocating.
const maxMessage = 1 << 30

// readMessage reads one message: its type, its length (which counts itself) and
// its body.
func readMessage(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n < 4 || n > maxMessage {
		return nil, fmt.Errorf("message length %d", n)
	}
	msg := append(head, make([]byte, n-4)...)
	_, err := io.ReadFull(r, msg[5:])
	return msg, err
}
