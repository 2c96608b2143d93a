package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// formatter shows times in the merchant's time zone and messages and money in its
// language (the dashboard settings; Google's merchant feed has neither).
type formatter struct {
	loc     *time.Location
	tag     language.Tag
	printer *message.Printer
}

func newFormatter(s *session) formatter {
	return formatter{loc: s.loc, tag: s.lang, printer: printer(s.lang)}
}

// t is a message in the formatter's language (translator's rules).
func (f formatter) t(key string, args ...any) string {
	return f.printer.Sprintf(key, args...)
}

// day is a date as the merchant's staff read it: "Mon 2 Jan 2006", names translated.
func (f formatter) day(t time.Time) string {
	t = t.In(f.loc)
	return f.t(t.Format("Mon")) + " " + strconv.Itoa(t.Day()) + " " + f.t(t.Format("Jan")) + " " + strconv.Itoa(t.Year())
}

// time is a Unix time as the merchant's staff read it: "Mon 2 Jan 2006 15:04".
func (f formatter) time(sec int64) string {
	t := time.Unix(sec, 0).In(f.loc)
	return f.day(t) + " " + t.Format("15:04")
}

// money is an amount in micros with its ISO 4217 currency, in the merchant's locale:
// the currency's digits, the language's separators, and the symbol where the language
// puts it ("$25.00" in English, "25,00 $US" in French, "25,00 zł" in Polish).
func (f formatter) money(micros int64, code string) string {
	unit, err := currency.ParseISO(code)
	if err != nil {
		return fmt.Sprintf("%.2f %s", float64(micros)/1e6, code)
	}
	scale, _ := currency.Standard.Rounding(unit)
	amount := f.printer.Sprint(number.Decimal(float64(micros)/1e6, number.Scale(scale)))
	symbol := f.printer.Sprint(currency.Symbol(unit))
	if base, _ := f.tag.Base(); base.String() == "en" {
		if len(symbol) > 1 && symbol[len(symbol)-1] >= 'A' && symbol[len(symbol)-1] <= 'Z' {
			return symbol + " " + amount // "PLN 25.00"
		}
		return symbol + amount
	}
	return amount + "\u00a0" + symbol
}

// customer names the booking's user for lists and searches.
func customer(u *acv3.UserInformation) string {
	name := strings.TrimSpace(u.GetGivenName() + " " + u.GetFamilyName())
	switch {
	case name != "" && u.GetEmail() != "":
		return name + " <" + u.GetEmail() + ">"
	case name != "":
		return name
	case u.GetEmail() != "":
		return u.GetEmail()
	}
	return u.GetUserId()
}
