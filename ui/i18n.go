package ui

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The dashboard's languages: English (the messages' keys), French and Polish (the
// languages of the merchants in our source documents). A merchant picks one in its
// settings; without one, the browser's Accept-Language chooses.
var (
	languages = []language.Tag{language.English, language.French, language.Polish}
	matcher   = language.NewMatcher(languages)
	messages  = buildCatalog()
)

// locale is a language the settings page offers.
type locale struct{ Tag, Name string }

// locales are the settings page's choices, each named in its own language.
var locales = []locale{{"en", "English"}, {"fr", "Français"}, {"pl", "Polski"}}

// match returns the dashboard language closest to the preferences (a BCP 47 tag or
// an Accept-Language header); English when nothing matches.
func match(prefs ...string) language.Tag {
	var want []language.Tag
	for _, p := range prefs {
		if p == "" {
			continue
		}
		tags, _, err := language.ParseAcceptLanguage(p)
		if err == nil {
			want = append(want, tags...)
		}
	}
	_, i, conf := matcher.Match(want...)
	if conf == language.No {
		return language.English
	}
	return languages[i]
}

// languageOf is the language of the request's pages: the signed-in merchant's
// setting, else the browser's.
func languageOf(r *http.Request) language.Tag {
	if s := sessionOf(r.Context()); s != nil {
		return s.lang
	}
	return match(r.Header.Get("Accept-Language"))
}

// printer formats messages, numbers and money in tag's language.
func printer(tag language.Tag) *message.Printer {
	return message.NewPrinter(tag, message.Catalog(messages))
}

// translator is the templates' t function in tag's language: the message of key
// (English text, fmt verbs for args) translated and formatted. A key with a verb
// but no args is text from elsewhere (an error) and is shown as it is.
func translator(tag language.Tag) func(key string, args ...any) string {
	p := printer(tag)
	return func(key string, args ...any) string {
		if len(args) == 0 && strings.ContainsRune(key, '%') {
			return key
		}
		return p.Sprintf(key, args...)
	}
}

// buildCatalog loads the French and Polish messages; a message with no translation
// shows its English key.
func buildCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for key, tr := range translations {
		if err := b.SetString(language.French, key, tr[0]); err != nil {
			panic(fmt.Sprintf("catalog fr %q: %v", key, err))
		}
		if err := b.SetString(language.Polish, key, tr[1]); err != nil {
			panic(fmt.Sprintf("catalog pl %q: %v", key, err))
		}
	}
	return b
}

// translations are the dashboard's messages: English key → French, Polish.
// TestEveryMessageTranslated holds them complete.
var translations = map[string][2]string{
	// Layout and navigation.
	"Skip to content":  {"Aller au contenu", "Przejdź do treści"},
	"Main":             {"Principal", "Główna"},
	"Bookings":         {"Réservations", "Rezerwacje"},
	"Availability":     {"Disponibilités", "Dostępność"},
	"Refund due":       {"Remboursements dus", "Zwroty do wypłaty"},
	"Notifications":    {"Notifications", "Powiadomienia"},
	"Feeds":            {"Flux", "Pliki danych"},
	"Payment gateways": {"Passerelles de paiement", "Bramki płatności"},
	"Settings":         {"Paramètres", "Ustawienia"},
	"Log out":          {"Se déconnecter", "Wyloguj"},

	// Sign in.
	"Sign in":               {"Connexion", "Logowanie"},
	"Staff account":         {"Compte du personnel", "Konto pracownika"},
	"Email":                 {"E-mail", "E-mail"},
	"Password":              {"Mot de passe", "Hasło"},
	"or a merchant API key": {"ou une clé d'API du marchand", "lub klucz API sprzedawcy"},
	"Key":                   {"Clé", "Klucz"},
	"Too many attempts. Wait a few minutes and try again.": {"Trop de tentatives. Attendez quelques minutes et réessayez.",
		"Zbyt wiele prób. Odczekaj kilka minut i spróbuj ponownie."},
	"Wrong key, email or password.": {"Clé, e-mail ou mot de passe incorrect.", "Nieprawidłowy klucz, e-mail lub hasło."},

	// Bookings.
	"Views":              {"Vues", "Widoki"},
	"today":              {"aujourd'hui", "dziś"},
	"week":               {"semaine", "tydzień"},
	"upcoming":           {"à venir", "nadchodzące"},
	"past":               {"passées", "minione"},
	"earlier":            {"avant", "wcześniej"},
	"later":              {"après", "później"},
	"week of":            {"semaine du", "tydzień od"},
	"Status":             {"Statut", "Status"},
	"any":                {"tous", "dowolny"},
	"Service":            {"Prestation", "Usługa"},
	"Payment":            {"Paiement", "Płatność"},
	"Customer":           {"Client", "Klient"},
	"name, email, phone": {"nom, e-mail, téléphone", "imię, e-mail, telefon"},
	"Filter":             {"Filtrer", "Filtruj"},
	"%d booking(s)":      {"%d réservation(s)", "rezerwacje: %d"},
	"Start":              {"Début", "Początek"},
	"No bookings.":       {"Aucune réservation.", "Brak rezerwacji."},
	"Next page":          {"Page suivante", "Następna strona"},

	// Booking.
	"Booking %s":                            {"Réservation %s", "Rezerwacja %s"},
	"Booking":                               {"Réservation", "Rezerwacja"},
	"No such booking":                       {"Réservation introuvable", "Nie ma takiej rezerwacji"},
	"There is no booking %s.":               {"Il n'y a pas de réservation %s.", "Nie ma rezerwacji %s."},
	"Back to the bookings":                  {"Retour aux réservations", "Wróć do rezerwacji"},
	"Done: %s.":                             {"Fait : %s.", "Wykonano: %s."},
	"confirm":                               {"confirmer", "potwierdzenie"},
	"decline":                               {"refuser", "odrzucenie"},
	"noshow":                                {"absence", "nieobecność"},
	"cancel":                                {"annulation", "anulowanie"},
	"refund":                                {"remboursement", "zwrot"},
	"user %s":                               {"utilisateur %s", "użytkownik %s"},
	"Slot":                                  {"Créneau", "Termin"},
	"%d min":                                {"%d min", "%d min"},
	"party of %d":                           {"%d personne(s)", "osób: %d"},
	"Channel":                               {"Canal", "Kanał"},
	"via %s":                                {"via %s", "przez %s"},
	"Captured / refunded":                   {"Encaissé / remboursé", "Pobrano / zwrócono"},
	"Actions":                               {"Actions", "Działania"},
	"The booking awaits your confirmation.": {"La réservation attend votre confirmation.", "Rezerwacja czeka na Twoje potwierdzenie."},
	"Confirm":                               {"Confirmer", "Potwierdź"},
	"Declining frees the spot.":             {"Refuser libère la place.", "Odrzucenie zwalnia miejsce."},
	"Decline":                               {"Refuser", "Odrzuć"},
	"No-show: %s.":                          {"Absence : %s.", "Nieobecność: %s."},
	"no fee (no no-show fee or no saved card)": {"aucuns frais (pas de frais d'absence ou pas de carte enregistrée)",
		"bez opłaty (brak opłaty za nieobecność lub zapisanej karty)"},
	"%s charged to the saved card": {"%s débités sur la carte enregistrée", "%s pobrane z zapisanej karty"},
	"Mark no-show":                 {"Marquer absent", "Oznacz nieobecność"},
	"Cancel and refund %s.":        {"Annuler et rembourser %s.", "Anuluj i zwróć %s."},
	"Cancel booking":               {"Annuler la réservation", "Anuluj rezerwację"},
	"Up to %s can be refunded.":    {"Jusqu'à %s peuvent être remboursés.", "Można zwrócić do %s."},
	"Amount (%s)":                  {"Montant (%s)", "Kwota (%s)"},
	"Amount":                       {"Montant", "Kwota"},
	"Reason":                       {"Motif", "Powód"},
	"Refund":                       {"Rembourser", "Zwróć"},
	"Ledger":                       {"Grand livre", "Księga"},
	"When":                         {"Quand", "Kiedy"},
	"Kind":                         {"Type", "Rodzaj"},
	"Processor":                    {"Prestataire", "Operator"},
	"No money moved.":              {"Aucun mouvement d'argent.", "Brak ruchów pieniędzy."},
	"Booking updates sent to Google": {"Mises à jour de la réservation envoyées à Google",
		"Aktualizacje rezerwacji wysłane do Google"},
	"Queued":      {"En file", "W kolejce od"},
	"Status sent": {"Statut envoyé", "Wysłany status"},
	"Fields":      {"Champs", "Pola"},
	"Delivery":    {"Livraison", "Doręczenie"},
	"Attempts":    {"Tentatives", "Próby"},
	"Last error":  {"Dernière erreur", "Ostatni błąd"},
	"PENDING":     {"en attente", "oczekuje"},
	"DEAD":        {"refusée", "odrzucone"},
	"DELIVERED":   {"livrée", "doręczone"},
	"None.":       {"Aucune.", "Brak."},
	"Availability updates sent to Google": {"Mises à jour des disponibilités envoyées à Google",
		"Aktualizacje dostępności wysłane do Google"},
	"The open spots of this slot's window are %s (%d attempt(s)).": {"Les places libres de la plage de ce créneau sont %s (%d tentative(s)).",
		"Wolne miejsca okna tego terminu: %s (prób: %d)."},
	"Last error: %s": {"Dernière erreur : %s", "Ostatni błąd: %s"},
	"Google has this slot's open spots: no availability update waits.": {"Google connaît les places libres de ce créneau : aucune mise à jour n'attend.",
		"Google zna wolne miejsca tego terminu: żadna aktualizacja nie czeka."},

	// Availability.
	"Open spots / total spots of the slots starting each day": {"Places libres / places totales des créneaux commençant chaque jour",
		"Wolne / wszystkie miejsca terminów zaczynających się danego dnia"},
	"%d / %d":      {"%d / %d", "%d / %d"},
	"%d slot(s)":   {"%d créneau(x)", "terminy: %d"},
	"No services.": {"Aucune prestation.", "Brak usług."},

	// Refund due and notifications.
	"Money collected for bookings that do not take place, to be returned in the shop.": {"Argent encaissé pour des réservations qui n'ont pas lieu, à rendre en boutique.",
		"Pieniądze pobrane za rezerwacje, które się nie odbędą, do zwrotu w sklepie."},
	"Nothing to refund.":                  {"Rien à rembourser.", "Nic do zwrotu."},
	"Notifications Google refused":        {"Notifications refusées par Google", "Powiadomienia odrzucone przez Google"},
	"Notification %s will be sent again.": {"La notification %s sera renvoyée.", "Powiadomienie %s zostanie wysłane ponownie."},
	"Action":                              {"Action", "Działanie"},
	"Retry":                               {"Renvoyer", "Ponów"},
	"No dead letters.":                    {"Aucune notification refusée.", "Brak odrzuconych powiadomień."},

	// Feeds.
	"Upload a feed": {"Charger un flux", "Wgraj plik danych"},
	"The feed was refused; nothing was applied.": {"Le flux a été refusé ; rien n'a été appliqué.", "Plik odrzucono; nic nie zostało zastosowane."},
	"Record":              {"Enregistrement", "Rekord"},
	"Field":               {"Champ", "Pole"},
	"Problem":             {"Problème", "Problem"},
	"… and %d more.":      {"… et %d de plus.", "… i %d więcej."},
	"merchant":            {"marchand", "sprzedawca"},
	"service":             {"prestations", "usługi"},
	"availability":        {"disponibilités", "dostępność"},
	"File":                {"Fichier", "Plik"},
	"Upload":              {"Charger", "Wgraj"},
	"Last loads":          {"Derniers chargements", "Ostatnie wgrania"},
	"By":                  {"Par", "Kto"},
	"Outcome":             {"Résultat", "Wynik"},
	"Problems":            {"Problèmes", "Problemy"},
	"Took":                {"Durée", "Czas"},
	"No feed loaded yet.": {"Aucun flux chargé.", "Nie wgrano jeszcze pliku."},
	"choose merchant, service or availability": {"choisissez marchand, prestations ou disponibilités", "wybierz sprzedawcę, usługi lub dostępność"},
	"choose a feed file":                       {"choisissez un fichier de flux", "wybierz plik danych"},
	"the file is larger than %d MiB":           {"le fichier dépasse %d Mio", "plik jest większy niż %d MiB"},

	// Payment gateways.
	"%s account saved.": {"Compte %s enregistré.", "Konto %s zapisane."},
	"Gateway accounts are off on this server (it has no --secrets-key).": {"Les comptes de passerelle sont désactivés sur ce serveur (pas de --secrets-key).",
		"Konta bramek są wyłączone na tym serwerze (brak --secrets-key)."},
	"Secrets are write-only: this page only says whether each is set. Leave a secret empty to keep the one stored.": {
		"Les secrets sont en écriture seule : cette page indique seulement s'ils sont définis. Laissez un secret vide pour garder celui enregistré.",
		"Sekrety można tylko zapisać: ta strona mówi jedynie, czy są ustawione. Zostaw pole puste, aby zachować zapisany."},
	"Last set %s.": {"Défini le %s.", "Ustawione %s."},
	"Not set up.":  {"Non configuré.", "Nieskonfigurowane."},
	"set":          {"défini", "ustawiony"},
	"not set":      {"non défini", "nieustawiony"},
	"optional":     {"facultatif", "opcjonalne"},
	"Save %s":      {"Enregistrer %s", "Zapisz %s"},

	// Settings.
	"Saved.": {"Enregistré.", "Zapisano."},
	"%q is not a time zone (for example Europe/Warsaw)": {"%q n'est pas un fuseau horaire (par exemple Europe/Paris)",
		"%q nie jest strefą czasową (na przykład Europe/Warsaw)"},
	"Time zone":                 {"Fuseau horaire", "Strefa czasowa"},
	"Language and money format": {"Langue et format monétaire", "Język i format kwot"},
	"the browser's language":    {"la langue du navigateur", "język przeglądarki"},
	"Save":                      {"Enregistrer", "Zapisz"},

	// Booking statuses (Google's) and payment states, as the pages name them.
	"CONFIRMED":                     {"confirmée", "potwierdzona"},
	"PENDING_MERCHANT_CONFIRMATION": {"à confirmer", "czeka na potwierdzenie"},
	"CANCELED":                      {"annulée", "anulowana"},
	"NO_SHOW":                       {"absent", "nieobecność"},
	"NO_SHOW_PENALIZED":             {"absent, frais facturés", "nieobecność, pobrano opłatę"},
	"FAILED":                        {"échouée", "nieudana"},
	"DECLINED_BY_MERCHANT":          {"refusée par le marchand", "odrzucona przez sprzedawcę"},
	"NONE":                          {"aucun", "brak"},
	"SETTLED":                       {"réglé", "rozliczona"},
	"AWAITING_CART":                 {"attend le panier", "czeka na koszyk"},

	// Dates: weekday and month abbreviations.
	"Mon": {"lun.", "pon."}, "Tue": {"mar.", "wt."}, "Wed": {"mer.", "śr."}, "Thu": {"jeu.", "czw."},
	"Fri": {"ven.", "pt."}, "Sat": {"sam.", "sob."}, "Sun": {"dim.", "niedz."},
	"Jan": {"janv.", "sty"}, "Feb": {"févr.", "lut"}, "Mar": {"mars", "mar"}, "Apr": {"avr.", "kwi"},
	"May": {"mai", "maj"}, "Jun": {"juin", "cze"}, "Jul": {"juil.", "lip"}, "Aug": {"août", "sie"},
	"Sep": {"sept.", "wrz"}, "Oct": {"oct.", "paź"}, "Nov": {"nov.", "lis"}, "Dec": {"déc.", "gru"},
}
