package ui

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/gateways"
)

// gatewayField is one field of a gateway account form: a setting shows its value, a
// secret only whether it is set (secrets are write-only).
type gatewayField struct {
	Name, Value           string
	Secret, Optional, Set bool
}

// gatewayForm is one gateway's account form.
type gatewayForm struct {
	Gateway, Updated string
	Fields           []gatewayField
}

// gatewaysPage shows the merchant's gateway accounts, one form each.
func (u *UI) gatewaysPage(w http.ResponseWriter, r *http.Request) {
	u.renderGateways(w, r, http.StatusOK, map[string]any{"Done": r.URL.Query().Get("done")})
}

func (u *UI) renderGateways(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	s := sessionOf(r.Context())
	fm := newFormatter(s)
	if u.cfg.Gateways == nil {
		data["Off"] = true
		u.render(w, r, status, "gateways", data)
		return
	}
	var forms []gatewayForm
	for _, gw := range gateways.Names {
		view, err := u.cfg.Gateways.Get(r.Context(), s.rec.GetMerchantId(), gw)
		switch {
		case errors.Is(err, gateways.ErrNoKey):
			data["Off"] = true
			u.render(w, r, status, "gateways", data)
			return
		case errors.Is(err, booking.ErrNotFound):
			view = &bsv1.GatewayAccountView{}
		case err != nil:
			slog.ErrorContext(r.Context(), "read gateway account", "gateway", gw, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		form := gatewayForm{Gateway: gw}
		if view.GetUpdatedUnix() != 0 {
			form.Updated = fm.time(view.GetUpdatedUnix())
		}
		for _, f := range gateways.Fields(gw) {
			form.Fields = append(form.Fields, gatewayField{Name: f.Name, Secret: f.Secret, Optional: f.Optional,
				Value: view.GetSettings()[f.Name], Set: view.GetSecrets()[f.Name].GetSet()})
		}
		forms = append(forms, form)
	}
	data["Accounts"] = forms
	u.render(w, r, status, "gateways", data)
}

// saveGateway stores the merchant's account of one gateway through the same registry
// as the API (secrets sealed; an empty secret keeps the stored one).
func (u *UI) saveGateway(w http.ResponseWriter, r *http.Request) {
	gw := r.PathValue("gateway")
	if u.cfg.Gateways == nil || !slices.Contains(gateways.Names, gw) {
		http.NotFound(w, r)
		return
	}
	values := map[string]string{}
	for _, f := range gateways.Fields(gw) {
		values[f.Name] = r.PostFormValue(f.Name)
	}
	_, err := u.cfg.Gateways.Set(r.Context(), sessionOf(r.Context()).rec.GetMerchantId(), gw, values)
	switch {
	case err == nil:
		http.Redirect(w, r, "/ui/gateways?done="+url.QueryEscape(gw), http.StatusSeeOther)
	case errors.Is(err, booking.ErrInvalid), errors.Is(err, gateways.ErrNoKey):
		u.renderGateways(w, r, http.StatusBadRequest, map[string]any{"Problem": err.Error()})
	default:
		slog.ErrorContext(r.Context(), "save gateway account", "gateway", gw, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
