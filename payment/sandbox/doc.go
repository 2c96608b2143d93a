// Package sandbox is an in-process booking.Processor that behaves like Stripe in test
// mode: the default for demos and tests, moving no real money.
//
// Cards are Stripe's documented test tokens. tok_visa, tok_visa_debit, tok_mastercard,
// tok_mastercard_debit, tok_mastercard_prepaid, tok_amex, tok_discover, tok_diners,
// tok_jcb and tok_unionpay succeed; tok_chargeDeclined declines with "card_declined",
// tok_chargeDeclinedInsufficientFunds with "insufficient_funds",
// tok_chargeDeclinedExpiredCard with "expired_card" (and likewise LostCard,
// StolenCard, IncorrectCvc, ProcessingError, Fraudulent, VelocityLimitExceeded);
// tok_chargeCustomerFail saves as a card but every charge on it declines; any other
// token declines with "invalid_token". Options.AcceptedBrands rejects whole card
// networks, as a merchant account that does not take Amex would.
//
// Like Stripe, the sandbox keeps every idempotency key it has seen: the same key with
// the same request replays the first answer (transaction or error) without moving
// money again, and the same key with a different request is an error wrapping
// booking.ErrConflict. Technical failures can be injected (FailNext, DropNext) to test
// the caller's retries. All state lives in memory behind one mutex.
package sandbox
