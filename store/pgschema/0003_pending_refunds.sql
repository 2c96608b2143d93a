-- Bookings with a refund asked of a processor whose answer is not recorded yet
-- (payment.pending_refunds not empty), for the periodic resolver (booking.ReadTx.PendingRefunds).
ALTER TABLE bookings ADD COLUMN refund_pending boolean NOT NULL DEFAULT false;
CREATE INDEX bookings_refund_pending ON bookings (booking_id) WHERE refund_pending;
