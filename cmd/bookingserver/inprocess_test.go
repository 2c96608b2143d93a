package main

import (
	"context"
	"log"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// anyPorts are serve's listen flags for ports of the kernel's choosing. A test never
// picks a free port for serve to bind later: another socket can take it in between
// (seen in CI: "bind: address already in use"). It reads the bound addresses from
// serve's serving log line instead (servingAddrs).
func anyPorts() []string {
	return []string{"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}
}

// captureLogs sends the process's log lines (slog's default logger, and the log
// package through it) to logs as JSON until restore. The default logger is the
// process's: a test that captures it does not run in parallel with another.
func captureLogs() (logs *syncBuffer, restore func()) {
	prev, prevOut, prevFlags := slog.Default(), log.Writer(), log.Flags()
	logs = &syncBuffer{}
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, nil)))
	return logs, func() {
		// slog.SetDefault of the original logger leaves the log package writing to
		// the captured handler: its writer and flags are put back by hand.
		slog.SetDefault(prev)
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	}
}

// serveLife is one run of `bookingserver serve` in this process.
type serveLife struct {
	// httpAddr and grpcAddr are the addresses serve bound, from its serving line.
	httpAddr, grpcAddr string
	// logs are serve's log lines (JSON), output what run wrote to stdout and stderr.
	logs, output *syncBuffer

	cancel   context.CancelFunc
	exit     chan int
	restore  func()
	stopOnce sync.Once
}

// serveInProcess runs `bookingserver args…` (serve) in this process on ports of its
// choosing (anyPorts, ahead of args) and returns once its serving line names them.
// The life's log lines go to its logs until it stops, so one life runs at a time;
// it stops when the test ends if not before, and must then exit 0.
func serveInProcess(t *testing.T, args []string) *serveLife {
	t.Helper()
	args = append(append([]string{args[0]}, anyPorts()...), args[1:]...)
	logs, restore := captureLogs()
	ctx, cancel := context.WithCancel(context.Background())
	l := &serveLife{logs: logs, output: &syncBuffer{}, cancel: cancel, exit: make(chan int, 1), restore: restore}
	go func() { l.exit <- run(ctx, args, l.output, l.output) }()
	t.Cleanup(func() {
		l.stop(t)
		if t.Failed() {
			t.Logf("serve's log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if l.httpAddr, l.grpcAddr = servingAddrs(logs.String()); l.httpAddr != "" {
			return l
		}
		if len(l.exit) > 0 { // its exit status and output are reported by stop
			t.Fatal("serve exited at start")
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not serving after 20 s: %s", l.output.String())
		}
	}
}

// stop cancels serve's context and waits for it to exit, which must be with 0; once,
// later calls do nothing.
func (l *serveLife) stop(t *testing.T) {
	t.Helper()
	l.stopOnce.Do(func() {
		defer l.restore()
		l.cancel()
		select {
		case code := <-l.exit:
			if code != 0 {
				t.Errorf("serve exit %d: %s", code, l.output.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s of its context's end")
		}
	})
}
