package publish

import (
	"context"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Log keeps the publications across restarts (store.PublicationLog: both stores).
type Log interface {
	// PutPublication keeps rec under its start time, replacing an earlier version.
	PutPublication(ctx context.Context, rec *bsv1.PublicationRecord) error
	// Publications returns up to limit publications, newest first.
	Publications(ctx context.Context, limit int) ([]*bsv1.PublicationRecord, error)
}

// FeedStatus is Google's processing status of one uploaded file (v1alpha
// inventory.partners.feeds.getStatus), as last read.
type FeedStatus struct {
	// State is STATE_UNSPECIFIED, IN_PROGRESS, SUCCESS or FAILURE; empty when the
	// status could not be read (Error).
	State         string    `json:"state,omitempty"`
	ErrorDetails  string    `json:"error_details,omitempty"`
	NewItems      int64     `json:"new_items"`
	ExistingItems int64     `json:"existing_items"`
	DeletedItems  int64     `json:"deleted_items"`
	CheckedAt     time.Time `json:"checked_at"`
	Error         string    `json:"error,omitempty"`
}

// final reports whether Google is done with the file (no need to ask again).
func (s *FeedStatus) final() bool { return s != nil && (s.State == "SUCCESS" || s.State == "FAILURE") }

// toRecord is pub as the store keeps it.
func toRecord(pub Publication) *bsv1.PublicationRecord {
	rec := &bsv1.PublicationRecord{StartedUnixNano: pub.StartedAt.UnixNano(), FinishedUnixNano: pub.FinishedAt.UnixNano(),
		Trigger: pub.Trigger, Outcome: pub.Outcome}
	for _, fu := range pub.Feeds {
		fr := &bsv1.FeedUploadRecord{Kind: string(fu.Kind), Dropbox: fu.Dropbox, GenerationTimestamp: fu.GenerationTimestamp,
			Nonce: fu.Nonce, Records: int64(fu.Records), Error: fu.Error}
		for _, f := range fu.Files {
			file := &bsv1.UploadedFileRecord{Name: f.Name, Bytes: f.Bytes, Sha256: f.SHA256}
			if s := f.Status; s != nil {
				file.Status = &bsv1.FeedStatusRecord{State: s.State, ErrorDetails: s.ErrorDetails, NewItems: s.NewItems,
					ExistingItems: s.ExistingItems, DeletedItems: s.DeletedItems, CheckedUnix: s.CheckedAt.Unix(), Error: s.Error}
			}
			fr.Files = append(fr.Files, file)
		}
		rec.Feeds = append(rec.Feeds, fr)
	}
	return rec
}

// fromRecord is the publication rec keeps.
func fromRecord(rec *bsv1.PublicationRecord) Publication {
	pub := Publication{StartedAt: time.Unix(0, rec.GetStartedUnixNano()).UTC(), FinishedAt: time.Unix(0, rec.GetFinishedUnixNano()).UTC(),
		Trigger: rec.GetTrigger(), Outcome: rec.GetOutcome()}
	for _, fr := range rec.GetFeeds() {
		fu := FeedUpload{Kind: feeds.ExportKind(fr.GetKind()), Dropbox: fr.GetDropbox(), GenerationTimestamp: fr.GetGenerationTimestamp(),
			Nonce: fr.GetNonce(), Records: int(fr.GetRecords()), Error: fr.GetError()}
		for _, f := range fr.GetFiles() {
			file := File{Name: f.GetName(), Bytes: f.GetBytes(), SHA256: f.GetSha256()}
			file.Status = statusOf(f.GetStatus())
			fu.Files = append(fu.Files, file)
		}
		pub.Feeds = append(pub.Feeds, fu)
	}
	return pub
}

// statusOf is a stored feed status, nil when none was read.
func statusOf(s *bsv1.FeedStatusRecord) *FeedStatus {
	if s == nil {
		return nil
	}
	return &FeedStatus{State: s.GetState(), ErrorDetails: s.GetErrorDetails(), NewItems: s.GetNewItems(), ExistingItems: s.GetExistingItems(),
		DeletedItems: s.GetDeletedItems(), CheckedAt: time.Unix(s.GetCheckedUnix(), 0).UTC(), Error: s.GetError()}
}
