package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc/grpclog"
)

// logConfig is --log-level and --log-format: which lines the process writes, and in
// which one format. Every line goes through log/slog — ours, the standard library's
// log package (net/http's connection errors) and grpc-go's logger — so a collector
// that parses one line parses them all.
type logConfig struct {
	level  slog.Level
	format logFormat
}

// logFormat is text (slog's key=value lines) or json (one object a line).
type logFormat string

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("want text or json, not %q", v)
	}
	*f = logFormat(v)
	return nil
}

// logLevel is a slog.Level spelled in lower case on the command line.
type logLevel struct{ l *slog.Level }

func (v logLevel) String() string {
	if v.l == nil {
		return ""
	}
	return strings.ToLower(v.l.String())
}

func (v logLevel) Set(s string) error {
	switch s {
	case "debug", "info", "warn", "error":
		return v.l.UnmarshalText([]byte(s))
	}
	return fmt.Errorf("want debug, info, warn or error, not %q", s)
}

// register adds --log-level and --log-format to a command that logs.
func (c *logConfig) register(fs *flag.FlagSet) {
	c.level, c.format = slog.LevelInfo, "json"
	fs.Var(logLevel{&c.level}, "log-level", "lowest level logged: debug, info, warn or error")
	fs.Var(&c.format, "log-format", "log line format on stderr: json (one object a line) or text (key=value)")
}

// processStderr is where the process's log lines go: os.Stderr when main runs. Tests
// that call run directly leave it nil and keep their own slog default.
var processStderr io.Writer

// commandLogs is set once a command has put its logConfig in force, so that run
// reports the command's failure as a log line of the same format.
var commandLogs atomic.Bool

// install makes c the format and level of every line the process logs.
func (c logConfig) install() {
	if processStderr == nil {
		return
	}
	slog.SetDefault(slog.New(c.handler(processStderr))) // also routes the log package
	commandLogs.Store(true)
}

// handler is c's slog handler writing to w.
func (c logConfig) handler(w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: c.level}
	if c.format == "text" {
		return slog.NewTextHandler(w, opts)
	}
	return slog.NewJSONHandler(w, opts)
}

// grpcLogger sends grpc-go's log lines to slog's default logger as it is at the time
// of the line, so --log-level and --log-format apply to them. grpc-go's info lines
// (connection and transport chatter) are debug here.
type grpcLogger struct{}

var _ grpclog.LoggerV2 = grpcLogger{}

func (grpcLogger) log(level slog.Level, msg string) {
	slog.Default().Log(context.Background(), level, strings.TrimSpace(msg), "component", "grpc")
}

func (g grpcLogger) Info(args ...any)   { g.log(slog.LevelDebug, fmt.Sprint(args...)) }
func (g grpcLogger) Infoln(args ...any) { g.log(slog.LevelDebug, fmt.Sprintln(args...)) }
func (g grpcLogger) Infof(format string, args ...any) {
	g.log(slog.LevelDebug, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Warning(args ...any)   { g.log(slog.LevelWarn, fmt.Sprint(args...)) }
func (g grpcLogger) Warningln(args ...any) { g.log(slog.LevelWarn, fmt.Sprintln(args...)) }
func (g grpcLogger) Warningf(format string, args ...any) {
	g.log(slog.LevelWarn, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Error(args ...any)   { g.log(slog.LevelError, fmt.Sprint(args...)) }
func (g grpcLogger) Errorln(args ...any) { g.log(slog.LevelError, fmt.Sprintln(args...)) }
func (g grpcLogger) Errorf(format string, args ...any) {
	g.log(slog.LevelError, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Fatal(args ...any)                 { g.Error(args...); os.Exit(1) }
func (g grpcLogger) Fatalln(args ...any)               { g.Errorln(args...); os.Exit(1) }
func (g grpcLogger) Fatalf(format string, args ...any) { g.Errorf(format, args...); os.Exit(1) }

// V reports whether grpc-go's verbose info lines of level l are wanted: only at
// debug, and only its level 0 ones (the rest is per-frame chatter).
func (grpcLogger) V(l int) bool {
	return l <= 0 && slog.Default().Enabled(context.Background(), slog.LevelDebug)
}
