package payment_test

import (
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

func TestToMinorUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      booking.Money
		want    int64
		wantErr bool
	}{
		{name: "USD dollars", in: booking.Money{Micros: 15_000_000, Currency: "USD"}, want: 1500},
		{name: "USD cents", in: booking.Money{Micros: 10_000, Currency: "USD"}, want: 1},
		{name: "lower-case code", in: booking.Money{Micros: 1_230_000, Currency: "eur"}, want: 123},
		{name: "zero", in: booking.Money{Micros: 0, Currency: "USD"}, want: 0},
		{name: "negative", in: booking.Money{Micros: -2_500_000, Currency: "USD"}, want: -250},
		{name: "JPY has no minor unit", in: booking.Money{Micros: 1500_000_000, Currency: "JPY"}, want: 1500},
		{name: "KRW", in: booking.Money{Micros: 1_000_000, Currency: "KRW"}, want: 1},
		{name: "VND", in: booking.Money{Micros: 20_000_000_000, Currency: "VND"}, want: 20_000},
		{name: "CLP", in: booking.Money{Micros: 7_000_000, Currency: "CLP"}, want: 7},
		{name: "ISK", in: booking.Money{Micros: 5_000_000, Currency: "ISK"}, want: 5},
		{name: "UGX", in: booking.Money{Micros: 5_000_000, Currency: "UGX"}, want: 5},
		{name: "XAF", in: booking.Money{Micros: 5_000_000, Currency: "XAF"}, want: 5},
		{name: "XOF", in: booking.Money{Micros: 5_000_000, Currency: "XOF"}, want: 5},
		{name: "KWD thousandths", in: booking.Money{Micros: 1_500_000, Currency: "KWD"}, want: 1500},
		{name: "BHD one fils", in: booking.Money{Micros: 1_000, Currency: "BHD"}, want: 1},
		{name: "JOD", in: booking.Money{Micros: 2_345_000, Currency: "JOD"}, want: 2345},
		{name: "OMR", in: booking.Money{Micros: 1_000, Currency: "OMR"}, want: 1},
		{name: "TND", in: booking.Money{Micros: 1_000, Currency: "TND"}, want: 1},
		{name: "CLF four decimals", in: booking.Money{Micros: 100, Currency: "CLF"}, want: 1},
		{name: "USD fraction of a cent", in: booking.Money{Micros: 1_005_000, Currency: "USD"}, wantErr: true},
		{name: "USD one micro", in: booking.Money{Micros: 1, Currency: "USD"}, wantErr: true},
		{name: "JPY fraction of a yen", in: booking.Money{Micros: 1_500_000, Currency: "JPY"}, wantErr: true},
		{name: "KWD fraction of a fils", in: booking.Money{Micros: 1_500_100, Currency: "KWD"}, wantErr: true},
		{name: "negative fraction", in: booking.Money{Micros: -1_000_001, Currency: "USD"}, wantErr: true},
		{name: "empty currency", in: booking.Money{Micros: 1_000_000}, wantErr: true},
		{name: "long currency", in: booking.Money{Micros: 1_000_000, Currency: "USDT"}, wantErr: true},
		{name: "digits in currency", in: booking.Money{Micros: 1_000_000, Currency: "US1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := payment.ToMinorUnits(tt.in)
			if tt.wantErr {
				if !errors.Is(err, booking.ErrInvalid) {
					t.Fatalf("ToMinorUnits(%v) = %d, %v; want an error wrapping booking.ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ToMinorUnits(%v) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFromMinorUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   int64
		currency string
		want     booking.Money
	}{
		{name: "USD", amount: 1500, currency: "USD", want: booking.Money{Micros: 15_000_000, Currency: "USD"}},
		{name: "stripe lower case", amount: 1099, currency: "usd", want: booking.Money{Micros: 10_990_000, Currency: "USD"}},
		{name: "JPY", amount: 1500, currency: "jpy", want: booking.Money{Micros: 1_500_000_000, Currency: "JPY"}},
		{name: "KWD", amount: 1500, currency: "KWD", want: booking.Money{Micros: 1_500_000, Currency: "KWD"}},
		{name: "zero", amount: 0, currency: "EUR", want: booking.Money{Micros: 0, Currency: "EUR"}},
		{name: "negative", amount: -5, currency: "GBP", want: booking.Money{Micros: -50_000, Currency: "GBP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := payment.FromMinorUnits(tt.amount, tt.currency)
			if got != tt.want {
				t.Fatalf("FromMinorUnits(%d, %q) = %v; want %v", tt.amount, tt.currency, got, tt.want)
			}
			back, err := payment.ToMinorUnits(got)
			if err != nil || back != tt.amount {
				t.Fatalf("ToMinorUnits(FromMinorUnits(%d, %q)) = %d, %v; want the same amount", tt.amount, tt.currency, back, err)
			}
		})
	}
}

func TestFromMinorUnitsPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   int64
		currency string
	}{
		{name: "overflow", amount: 1 << 62, currency: "JPY"},
		{name: "negative overflow", amount: -(1 << 62), currency: "USD"},
		{name: "bad currency", amount: 1, currency: "dollars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Fatalf("FromMinorUnits(%d, %q) did not panic", tt.amount, tt.currency)
				}
			}()
			payment.FromMinorUnits(tt.amount, tt.currency)
		})
	}
}

func TestExponent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		currency string
		want     int
	}{
		{"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"MXN", 2}, {"JPY", 0}, {"jpy", 0}, {"KRW", 0},
		{"VND", 0}, {"CLP", 0}, {"ISK", 0}, {"UGX", 0}, {"XAF", 0}, {"XOF", 0}, {"BHD", 3},
		{"JOD", 3}, {"KWD", 3}, {"OMR", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3}, {"CLF", 4},
	}
	for _, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			t.Parallel()
			if got, err := payment.Exponent(tt.currency); err != nil || got != tt.want {
				t.Fatalf("Exponent(%q) = %d, %v; want %d", tt.currency, got, err, tt.want)
			}
		})
	}
}
