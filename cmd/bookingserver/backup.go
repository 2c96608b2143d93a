package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bookingserver/bookingserver/store"
)

// runBackup is `bookingserver backup --server URL OUT`: an online backup of a running
// server's data file (GET /v1/backup), written so that OUT is either the previous file
// or a complete, consistent new one — never half a file.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "backup --server URL [flags] OUT")
	fs.SetOutput(stderr)
	serverURL := fs.String("server", "", "base URL of the running server's HTTP listener (e.g. https://booking.example.com:8080)")
	var token string
	secretFlag(fs, &token, "admin-token", "an admin bearer token of the server")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *serverURL == "" || token == "" || fs.NArg() != 1 {
		return usageError("give --server URL, --admin-token (or --admin-token-file) and one OUT file")
	}
	out := fs.Arg(0)
	n, err := fetchBackup(ctx, strings.TrimSuffix(*serverURL, "/")+"/v1/backup", token, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d bytes, consistent\n", out, n)
	return nil
}

// fetchBackup downloads the snapshot into a temporary file next to out, makes it
// durable (fsync), checks it (bbolt's consistency check), then renames it over out
// and makes the rename durable.
func fetchBackup(ctx context.Context, url, token, out string) (n int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if n, err = io.Copy(tmp, resp.Body); err != nil {
		return n, fmt.Errorf("GET %s: after %d bytes: %w", url, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("GET %s: %d of %d bytes: the server's copy failed", url, n, resp.ContentLength)
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	if err = store.Check(tmp.Name()); err != nil {
		return n, fmt.Errorf("the backup does not verify: %w", err)
	}
	if err = os.Rename(tmp.Name(), out); err != nil {
		return n, err
	}
	return n, syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
