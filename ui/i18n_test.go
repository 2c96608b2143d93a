package ui

import (
	"io/fs"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// TestEveryMessageTranslated: every message the templates show through t, and every
// message the Go code translates, has a French and a Polish text.
func TestEveryMessageTranslated(t *testing.T) {
	keys := map[string]bool{}
	literal := regexp.MustCompile(`\{\{t "((?:[^"\\]|\\.)*)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := templateFS.ReadFile(path)
		for _, m := range literal.FindAllStringSubmatch(string(raw), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Messages chosen at run time: views, actions, delivery states, feed kinds, login
	// and upload problems, no-show fees, dates.
	for _, k := range []string{"today", "week", "upcoming", "past", "confirm", "decline", "noshow", "cancel", "refund",
		"PENDING", "DEAD", "DELIVERED", "merchant", "service", "availability",
		"Too many attempts. Wait a few minutes and try again.", "Wrong key, email or password.",
		"choose merchant, service or availability", "choose a feed file", "the file is larger than %d MiB",
		"no fee (no no-show fee or no saved card)", "%s charged to the saved card",
		"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		keys[k] = true
	}
	for _, k := range append(statuses, payments...) { // the filters' choices and the rows' states
		keys[k] = true
	}
	for k := range keys {
		tr, ok := translations[k]
		if !ok || tr[0] == "" || tr[1] == "" {
			t.Errorf("no French and Polish for %q", k)
		}
	}
	for k := range translations {
		if !keys[k] {
			t.Errorf("translation of %q, which nothing shows", k)
		}
	}
}

// TestLocaleFormats: money in each language's way, weekday and month names
// translated, the language from the setting or else the browser.
func TestLocaleFormats(t *testing.T) {
	for _, tc := range []struct {
		lang   language.Tag
		code   string
		micros int64
		want   string
	}{
		{language.English, "USD", 1234_500000, "$1,234.50"},
		{language.English, "PLN", 25_000000, "PLN 25.00"},
		{language.French, "EUR", 1234_500000, "1\u00a0234,50\u00a0€"},
		{language.French, "USD", 25_000000, "25,00\u00a0$US"},
		{language.Polish, "PLN", 1234_500000, "1\u00a0234,50\u00a0zł"},
		{language.Polish, "JPY", 1500_000000, "1\u00a0500\u00a0JPY"},
	} {
		fm := formatter{tag: tc.lang, printer: printer(tc.lang)}
		if got := fm.money(tc.micros, tc.code); got != tc.want {
			t.Errorf("%s %d %s: %q, want %q", tc.lang, tc.micros, tc.code, got, tc.want)
		}
	}
	day := formatter{printer: printer(language.Polish), tag: language.Polish}
	day.loc = mustLoad(t, "Europe/Warsaw")
	if got := day.time(1893492000); got != "wt. 1 sty 2030 11:00" {
		t.Errorf("Polish time: %q", got)
	}
	for _, tc := range []struct{ accept, want string }{
		{"pl-PL,pl;q=0.9,en;q=0.8", "pl"}, {"fr-CA", "fr"}, {"de-DE", "en"}, {"", "en"},
	} {
		r := httptest.NewRequest("GET", "/ui/login", nil)
		r.Header.Set("Accept-Language", tc.accept)
		if got := languageOf(r); got.String() != tc.want {
			t.Errorf("Accept-Language %q: %s, want %s", tc.accept, got, tc.want)
		}
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
