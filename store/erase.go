package store

import (
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// eraseCustomerData clears the personal data of rec — the user's name, email,
// telephone and address, and the note to the merchant — and reports whether there was
// any. The user id stays: it is Google's opaque id, and ListBookings and the user
// index are keyed by it; so does the language, which names no one.
func eraseCustomerData(rec *bsv1.BookingRecord) bool {
	u := rec.GetBooking().GetUserInformation()
	had := rec.GetAdditionalRequest() != "" || u.GetGivenName() != "" || u.GetFamilyName() != "" ||
		u.GetEmail() != "" || u.GetTelephone() != "" || u.GetAddress() != nil
	rec.AdditionalRequest = ""
	if u != nil {
		u.GivenName, u.FamilyName, u.Email, u.Telephone, u.Address = "", "", "", "", nil
	}
	return had
}
