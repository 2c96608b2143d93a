package store

import (
	"context"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// PublicationLog keeps the publications of the feeds (publish.Log); both stores
// implement it.
type PublicationLog interface {
	PutPublication(ctx context.Context, rec *bsv1.PublicationRecord) error
	Publications(ctx context.Context, limit int) ([]*bsv1.PublicationRecord, error)
}

var (
	_ PublicationLog = (*Store)(nil)
	_ PublicationLog = (*Postgres)(nil)
)

// publicationsKept is how many publications of the feeds the store keeps (the
// newest): a hundred days of daily uploads and their retries.
const publicationsKept = 100

// PutPublication keeps rec under its start time, replacing the record of the same
// publication (a feed status read later), and drops the oldest beyond
// publicationsKept.
func (s *Store) PutPublication(ctx context.Context, rec *bsv1.PublicationRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.commits.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPublications)
		if err := putRecord(b, binary.BigEndian.AppendUint64(nil, uint64(rec.GetStartedUnixNano())), rec); err != nil {
			return err
		}
		n := 0
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		for k, _ := c.First(); k != nil && n > publicationsKept; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			n--
		}
		return nil
	})
}

// Publications returns up to limit publications, newest first.
func (s *Store) Publications(ctx context.Context, limit int) ([]*bsv1.PublicationRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*bsv1.PublicationRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPublications).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			rec := &bsv1.PublicationRecord{}
			if err := unmarshal(v, rec); err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}
