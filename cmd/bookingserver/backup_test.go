package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/conformance"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestBackupUnderLoadAndRestore: an online backup taken while Google books is restored
// the documented way (server stopped, file replaced, started): every booking
// acknowledged before the backup began is in it, and its slot counts reconcile with
// its bookings without a repair.
func TestBackupUnderLoadAndRestore(t *testing.T) {
	dir := t.TempDir()
	feedDir := filepath.Join(dir, "feeds")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"feeds", "roll-forward", "--out", feedDir,
		"../../examples/feeds/merchants.json", "../../examples/feeds/services.json", "../../examples/feeds/availability.json"}, &out, &out); code != 0 {
		t.Fatalf("roll-forward: %s", out.String())
	}
	slots, err := conformance.LoadSlots(filepath.Join(feedDir, "availability.json"), conformance.SlotFilter{
		After: time.Now().Add(48 * time.Hour), Services: []string{"service-1-a"}, SkipCardSlots: true})
	if err != nil || len(slots) < 20 {
		t.Fatalf("slots: %d %v", len(slots), err)
	}

	data := filepath.Join(dir, "live.db")
	srv := serveInProcess(t, []string{"serve", "--data", data, "--feeds", feedDir, "--auth-user", "g", "--auth-password", "p",
		"--admin-token", "adm"})
	httpAddr := srv.httpAddr

	// Google books from four clients until told to stop; each acknowledged booking is
	// noted with the moment its answer arrived.
	type ack struct {
		id string
		at time.Time
	}
	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	stop := make(chan struct{})
	client := conformance.NewREST("http://"+httpAddr, conformance.Auth{User: "g", Password: "p"}, false)
	defer client.Close()
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := slots[(w*7+i)%len(slots)]
				resp, err := client.CreateBooking(context.Background(), &acv3.CreateBookingRequest{
					Slot:             &acv3.Slot{MerchantId: a.GetMerchantId(), ServiceId: a.GetServiceId(), StartSec: a.GetStartSec(), DurationSec: a.GetDurationSec()},
					UserInformation:  &acv3.UserInformation{UserId: fmt.Sprintf("u%d", w), Email: "u@example.com"},
					IdempotencyToken: fmt.Sprintf("w%d-%d", w, i),
				})
				if err == nil && resp.GetBooking().GetStatus() == acv3.BookingStatus_CONFIRMED {
					mu.Lock()
					acks = append(acks, ack{resp.GetBooking().GetBookingId(), time.Now()})
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	backup := filepath.Join(dir, "backup.db")
	out.Reset()
	if code := run(context.Background(), []string{"backup", "--server", "http://" + httpAddr, "--admin-token", "adm", backup}, &out, &out); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, out.String())
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	srv.stop(t)
	if !strings.Contains(out.String(), "consistent") {
		t.Errorf("backup output %q", out.String())
	}

	// Restore: the backup replaces the data file of a stopped server.
	if err := copyFile(backup, data); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.DefaultConfig(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := 0
	for _, a := range acks {
		if !a.at.Before(began) {
			continue
		}
		before++
		if err := st.View(context.Background(), func(tx booking.ReadTx) error {
			_, err := tx.Booking(a.id)
			return err
		}); err != nil {
			t.Errorf("booking %s acknowledged before the backup began: %v", a.id, err)
		}
	}
	if before == 0 || before == len(acks) {
		t.Errorf("%d of %d bookings acknowledged before the backup: want load on both sides of it", before, len(acks))
	}
	if fixed, err := st.Reconcile(time.Time{}); err != nil || fixed != 0 {
		t.Errorf("restored slot counts: %d repaired, %v; want none", fixed, err)
	}
}

// TestBackupRefused: with a wrong token, or without --server, backup
// fails with the server's reason and leaves no file.
func TestBackupRefused(t *testing.T) {
	dir := t.TempDir()
	httpAddr := serveInProcess(t, []string{"serve", "--data", filepath.Join(dir, "b.db"), "--insecure-no-auth", "--admin-token", "adm"}).httpAddr
	var out bytes.Buffer
	backup := filepath.Join(dir, "backup.db")
	if code := run(context.Background(), []string{"backup", "--server", "http://" + httpAddr, "--admin-token", "wrong", backup}, &out, &out); code != 1 || !strings.Contains(out.String(), "401") {
		t.Errorf("wrong token: exit %d: %s", code, out.String())
	}
	if code := run(context.Background(), []string{"backup", backup}, &out, &out); code != 2 {
		t.Errorf("no --server: exit %d, want 2 (usage)", code)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "b.db" && e.Name() != "b.db.server" { // the data file and its server's record
			t.Errorf("file left: %s", e.Name())
		}
	}
}

// TestBackupOnPostgresNamesPgDump: online backup is bbolt's (the tests above run on
// bbolt only: a consistent copy of one data file, restored by replacing it). Serve
// on PostgreSQL answers the backup command 501 with the tool to use, pg_dump, and
// the command leaves no file.
func TestBackupOnPostgresNamesPgDump(t *testing.T) {
	db := storetest.PostgresURL(t)
	dir := t.TempDir()
	httpAddr := serveInProcess(t, []string{"serve", "--database-url", db, "--insecure-no-auth", "--admin-token", "adm"}).httpAddr
	var out bytes.Buffer
	backup := filepath.Join(dir, "backup.db")
	if code := run(context.Background(), []string{"backup", "--server", "http://" + httpAddr, "--admin-token", "adm", backup}, &out, &out); code != 1 ||
		!strings.Contains(out.String(), "501") || !strings.Contains(out.String(), "pg_dump") {
		t.Errorf("backup of a Postgres server: exit %d: %s", code, out.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
