package store

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit runs concurrent write transactions together: one fsync for many callers.
// Unlike bbolt's db.Batch it has no timer: the first caller runs at once as the leader
// with whatever is queued; callers arriving meanwhile queue up, and the leader hands
// over to the first of them when it is done. A lone caller pays no delay; under load
// each commit carries every call that queued during the previous one.
type groupCommit struct {
	db      *bolt.DB
	mu      sync.Mutex
	pending []*commitCall
	running bool
}

type commitCall struct {
	fn   func(*bolt.Tx) error
	done chan commitResult
}

type commitResult struct {
	err  error
	lead bool // this caller now leads the next group
}

// update runs fn in a write transaction shared with other callers and returns when it
// is durable. fn may run more than once: when any function of a group fails, the group
// is rolled back and each function is retried in a transaction of its own.
func (g *groupCommit) update(fn func(*bolt.Tx) error) error {
	c := &commitCall{fn: fn, done: make(chan commitResult, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	if g.running {
		g.mu.Unlock()
		r := <-c.done
		if !r.lead {
			return r.err
		}
	} else {
		g.running = true
		g.mu.Unlock()
	}
	// Leader: commit everything queued (our own call included), then hand over.
	g.mu.Lock()
	group := g.pending
	g.pending = nil
	g.mu.Unlock()
	g.commit(group)
	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].done <- commitResult{lead: true}
	} else {
		g.running = false
	}
	g.mu.Unlock()
	// Our call was in the group we committed.
	return (<-c.done).err
}

// commit runs a group in one transaction, or each call alone when the group fails.
func (g *groupCommit) commit(group []*commitCall) {
	err := g.db.Update(func(tx *bolt.Tx) error {
		for _, c := range group {
			if err := c.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(group) == 1 {
		for _, c := range group {
			c.done <- commitResult{err: err}
		}
		return
	}
	for _, c := range group {
		c.done <- commitResult{err: g.db.Update(c.fn)}
	}
}
