// Package splittender plans one purchase paid by up to three gift-card legs (Bimpli
// CADO, Worldline payment product 3103) and one card leg for the rest, and allocates
// partial and repeated refunds across the legs without ever refunding a leg more than
// it took or the purchase more than its total.
//
// Reading of the gift-card limit. Worldline's Bimpli CADO page says the card has "a
// value range between 20 and 250 € per card": that is the card's face value when it
// is sold, not the amount a purchase may take from it. A card with 7 € left can pay
// 7 €, so this package does not require 20 € per leg; it requires each gift-card leg
// to be positive and at most 250 €, the most a single card can ever hold. The
// gateway checks the card's real balance.
//
// Refund order. A refund goes to the legs in the reverse order of payment: the card
// leg (which paid "the rest", last) first, then the gift cards from the last used to
// the first. A partial refund thus undoes the most recent tender first, returns real
// money to the buyer's card before re-crediting gift cards (which may have expired),
// and a full refund empties every leg.
//
// Concurrency. Everything here is a pure function of values: Tender methods return a
// new Tender and never modify the receiver or share its slices. The caller reads the
// Tender, applies a refund and writes the result back in one storage transaction
// (bbolt's Update serialises writers), so two racing refunds cannot both pass the cap.
// Refunds are idempotent by id: replaying an id returns the recorded allocation.
package splittender
