package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"lower": strings.ToLower,
}

// formatter shows times in the merchant's time zone and money in its locale (the
// dashboard settings; Google's merchant feed has neither).
type formatter struct {
	loc     *time.Location
	printer *message.Printer
}

func newFormatter(s *session) formatter {
	tag := language.English
	if l := s.settings.GetLocale(); l != "" {
		if t, err := language.Parse(l); err == nil {
			tag = t
		}
	}
	return formatter{loc: s.loc, printer: message.NewPrinter(tag)}
}

// time is a Unix time as the merchant's staff read it: "Mon 2 Jan 2006 15:04".
func (f formatter) time(sec int64) string {
	return time.Unix(sec, 0).In(f.loc).Format("Mon 2 Jan 2006 15:04")
}

// money is an amount in micros with its ISO 4217 currency, in the merchant's locale.
func (f formatter) money(micros int64, code string) string {
	unit, err := currency.ParseISO(code)
	if err != nil {
		return fmt.Sprintf("%.2f %s", float64(micros)/1e6, code)
	}
	return f.printer.Sprint(currency.Symbol(unit.Amount(float64(micros) / 1e6)))
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
