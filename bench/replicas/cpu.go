package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter reads the CPU time (user + system) of this process, which runs both
// replicas and the clients, and of the PostgreSQL server's processes: the
// postmaster and its children, found from the data directory's postmaster.pid.
// It reads /proc (Linux), so the server must run on this machine, as the
// benchmark says it does; elsewhere it reads nothing. Processes that exit during
// a phase (short-lived connections, autovacuum workers) take their time with them.
type cpuMeter struct {
	postmaster int // 0: the server's processes are not read
	tick       time.Duration
}

// cpuTimes is one reading of a cpuMeter.
type cpuTimes struct{ self, server time.Duration }

func newCPUMeter(ctx context.Context, pool *pgxpool.Pool) cpuMeter {
	m := cpuMeter{tick: 10 * time.Millisecond} // USER_HZ is 100 on Linux
	var dir string
	if err := pool.QueryRow(ctx, `SHOW data_directory`).Scan(&dir); err != nil {
		return m
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return m
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(bytes.SplitN(b, []byte("\n"), 2)[0])))
	if _, _, ok := procTimes(pid); ok {
		m.postmaster = pid
	}
	return m
}

// read returns the CPU times used so far.
func (m cpuMeter) read() cpuTimes {
	var t cpuTimes
	if _, ticks, ok := procTimes(os.Getpid()); ok {
		t.self = time.Duration(ticks) * m.tick
	}
	if m.postmaster == 0 {
		return t
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parent, ticks, ok := procTimes(pid); ok && (pid == m.postmaster || parent == m.postmaster) {
			t.server += time.Duration(ticks) * m.tick
		}
	}
	return t
}

// since is the CPU time used from reading from to reading t.
func (t cpuTimes) since(from cpuTimes) cpuTimes {
	return cpuTimes{self: t.self - from.self, server: t.server - from.server}
}

// plus is the sum of two spans of CPU time.
func (t cpuTimes) plus(o cpuTimes) cpuTimes {
	return cpuTimes{self: t.self + o.self, server: t.server + o.server}
}

// perOp describes the CPU time used per operation.
func (m cpuMeter) perOp(used cpuTimes, ops int) string {
	if ops == 0 {
		return ""
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(ops)) }
	if m.postmaster == 0 {
		return "CPU per op: " + per(used.self) + " in the benchmark's process (the server's not read)"
	}
	return "CPU per op: " + per(used.server) + " PostgreSQL, " + per(used.self) + " the benchmark's process (replicas and clients)"
}

// procTimes reads a process's parent and its CPU time in clock ticks from
// /proc/PID/stat (fields 4, 14 and 15; the command, field 2, is skipped whole
// since it may hold spaces).
func procTimes(pid int) (parent int, ticks int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, 0, false
	}
	parent, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return parent, utime + stime, true
}
