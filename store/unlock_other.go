//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// unlock does nothing where bbolt locks otherwise (fcntl, LockFileEx): closing f is
// what releases those, or the process's exit.
func unlock(*os.File) {}
