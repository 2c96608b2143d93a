package publish

import (
	"time"

	"github.com/bookingserver/bookingserver/feeds"
)

// googleFeed is the feed name of kind in Google's feed status API.
func googleFeed(kind feeds.ExportKind) string {
	if kind == feeds.ExportAvailability {
		return "availability"
	}
	return string(kind) + "s"
}

// persist writes pub to the log, if any; a failure is logged (the publication is
// kept in memory all the same).
func (p *Publisher) persist(pub Publication) {
	if p.cfg.Log == nil {
		return
	}
	if err := p.cfg.Log.PutPublication(p.pollCtx, toRecord(pub)); err != nil {
		p.cfg.Logger.Error("publish: keep publication", "started_at", pub.StartedAt, "err", err)
	}
}

// pollStatus asks Google for the status of each file of the publication started at
// started, after StatusInterval, then twice as long each time, until every file is
// SUCCESS or FAILURE or StatusPolls reads were made; each answer is kept beside its
// file (Publications, the log).
func (p *Publisher) pollStatus(started time.Time) {
	wait := p.cfg.StatusInterval
	for range p.cfg.StatusPolls {
		if !sleepUntil(p.pollCtx, p.cfg.Now().Add(wait), p.cfg.Now) {
			return
		}
		wait *= 2
		pub, ok := p.publication(started)
		if !ok {
			return // no longer kept
		}
		done := true
		for i, fu := range pub.Feeds {
			for j, f := range fu.Files {
				if f.Status.final() {
					continue
				}
				pub.Feeds[i].Files[j].Status = p.readStatus(fu.Kind, f.Name)
				done = done && pub.Feeds[i].Files[j].Status.final()
			}
		}
		p.update(pub)
		if done {
			return
		}
	}
}

// readStatus asks Google for one file's status.
func (p *Publisher) readStatus(kind feeds.ExportKind, name string) *FeedStatus {
	rec, err := p.cfg.Status.FeedStatus(p.pollCtx, googleFeed(kind), name)
	if err != nil {
		p.cfg.Logger.Warn("publish: feed status", "file", name, "err", err)
		return &FeedStatus{CheckedAt: p.cfg.Now().UTC(), Error: err.Error()}
	}
	s := statusOf(rec)
	if rec.GetCheckedUnix() == 0 {
		s.CheckedAt = p.cfg.Now().UTC()
	}
	if s.State == "FAILURE" {
		p.cfg.Logger.Error("publish: Google failed to process a feed file", "file", name, "details", s.ErrorDetails)
	}
	return s
}

// publication is a copy of the kept publication started at started (its feeds and
// files copied, so that the caller may change them).
func (p *Publisher) publication(started time.Time) (Publication, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pub := range p.pubs {
		if pub.StartedAt.Equal(started) {
			pub.Feeds = cloneFeeds(pub.Feeds)
			return pub, true
		}
	}
	return Publication{}, false
}

// update replaces the kept publication of pub's start with pub, and logs it.
func (p *Publisher) update(pub Publication) {
	p.mu.Lock()
	for i := range p.pubs {
		if p.pubs[i].StartedAt.Equal(pub.StartedAt) {
			p.pubs[i] = pub
		}
	}
	p.mu.Unlock()
	p.persist(pub)
}

func cloneFeeds(in []FeedUpload) []FeedUpload {
	out := make([]FeedUpload, len(in))
	for i, fu := range in {
		out[i] = fu
		out[i].Files = append([]File(nil), fu.Files...)
	}
	return out
}
