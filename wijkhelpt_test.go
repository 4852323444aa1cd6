package wijkhelpt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestTextIn(t *testing.T) {
	both := wijkhelpt.T("Hallo", "Hello")
	dutchOnly := wijkhelpt.T("Hallo", "")
	tests := []struct {
		text wijkhelpt.Text
		lang string
		want string
	}{
		{both, "nl", "Hallo"},
		{both, "", "Hallo"},
		{both, "en", "Hello"},
		{both, "EN", "Hello"},
		{both, "en-GB", "Hello"},
		{both, "de", "Hallo"},
		{both, "fr-en", "Hallo"},
		{dutchOnly, "en", "Hallo"},
	}
	for _, tt := range tests {
		t.Run(tt.text.NL+"/"+tt.lang, func(t *testing.T) {
			if got := tt.text.In(tt.lang); got != tt.want {
				t.Errorf("In(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

func TestFieldErrorsAddKeepsFirst(t *testing.T) {
	f := wijkhelpt.FieldErrors{}
	f.Add("text", wijkhelpt.T("eerste", "first"))
	f.Add("text", wijkhelpt.T("tweede", "second"))
	if got, want := f["text"].EN, "first"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFieldErrorsMerge(t *testing.T) {
	msgA, msgB := wijkhelpt.T("a", "a"), wijkhelpt.T("b", "b")
	withFields := &wijkhelpt.Error{Code: wijkhelpt.ErrInvalid, Message: wijkhelpt.T("x", "x"),
		Fields: map[string]wijkhelpt.Text{"": msgA, "street": msgB}}
	tests := []struct {
		name     string
		prefix   string
		err      error
		wantOK   bool
		wantErrs wijkhelpt.FieldErrors
	}{
		{"blank field goes under prefix", "postcode", wijkhelpt.Invalid("", msgA), true,
			wijkhelpt.FieldErrors{"postcode": msgA}},
		{"named field is prefixed", "contact", wijkhelpt.Invalid("phone", msgA), true,
			wijkhelpt.FieldErrors{"contact.phone": msgA}},
		{"both", "address", withFields, true,
			wijkhelpt.FieldErrors{"address": msgA, "address.street": msgB}},
		{"no prefix keeps names", "", wijkhelpt.Invalid("phone", msgA), true,
			wijkhelpt.FieldErrors{"phone": msgA}},
		{"no fields uses the message", "postcode",
			&wijkhelpt.Error{Code: wijkhelpt.ErrInvalid, Message: msgB}, true,
			wijkhelpt.FieldErrors{"postcode": msgB}},
		{"no fields and no prefix is not lost", "",
			&wijkhelpt.Error{Code: wijkhelpt.ErrInvalid, Message: msgB}, true,
			wijkhelpt.FieldErrors{"": msgB}},
		{"wrapped", "postcode", fmt.Errorf("geo: parse: %w", wijkhelpt.Invalid("", msgA)), true,
			wijkhelpt.FieldErrors{"postcode": msgA}},
		{"other code", "postcode", &wijkhelpt.Error{Code: wijkhelpt.ErrUnavailable, Message: msgA}, false,
			wijkhelpt.FieldErrors{}},
		{"plain error", "postcode", errors.New("boom"), false, wijkhelpt.FieldErrors{}},
		{"nil", "postcode", nil, false, wijkhelpt.FieldErrors{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wijkhelpt.FieldErrors{}
			if ok := got.Merge(tt.prefix, tt.err); ok != tt.wantOK {
				t.Errorf("Merge returned %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.wantErrs, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFieldErrorsMergeKeepsExisting(t *testing.T) {
	first := wijkhelpt.T("eerst", "first")
	got := wijkhelpt.FieldErrors{"postcode": first}
	got.Merge("postcode", wijkhelpt.Invalid("", wijkhelpt.T("later", "later")))
	if diff := cmp.Diff(wijkhelpt.FieldErrors{"postcode": first}, got); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
}

func TestFieldErrorsErr(t *testing.T) {
	if err := (wijkhelpt.FieldErrors{}).Err(); err != nil {
		t.Errorf("empty FieldErrors.Err() = %v, want nil", err)
	}
	var nilErrs wijkhelpt.FieldErrors
	if err := nilErrs.Err(); err != nil {
		t.Errorf("nil FieldErrors.Err() = %v, want nil", err)
	}
	msg := wijkhelpt.T("Vul een naam in.", "Enter a name.")
	err := wijkhelpt.FieldErrors{"contact.name": msg, "text": msg}.Err()
	checkCode(t, err, wijkhelpt.ErrInvalid)
	e := wijkhelpt.AsError(err)
	if diff := cmp.Diff(map[string]wijkhelpt.Text{"contact.name": msg, "text": msg}, e.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "invalid: Some fields need your attention. See the fields below. (contact.name, text)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInvalid(t *testing.T) {
	msg := wijkhelpt.T("Onbekend.", "Unknown.")
	e := wijkhelpt.Invalid("role", msg)
	checkCode(t, e, wijkhelpt.ErrInvalid)
	if diff := cmp.Diff(map[string]wijkhelpt.Text{"role": msg}, e.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestErrorCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want wijkhelpt.ErrorCode
	}{
		{"nil", nil, ""},
		{"plain", errors.New("mongo: connection refused"), wijkhelpt.ErrInternal},
		{"context", context.Canceled, wijkhelpt.ErrInternal},
		{"domain", wijkhelpt.Forbidden(), wijkhelpt.ErrForbidden},
		{"wrapped", fmt.Errorf("store: find request 7: %w", wijkhelpt.NotFound(wijkhelpt.T("De hulpvraag", "The request"))), wijkhelpt.ErrNotFound},
		{"twice wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", wijkhelpt.Unauthorized())), wijkhelpt.ErrUnauthorized},
		{"joined", errors.Join(errors.New("x"), wijkhelpt.Conflict(wijkhelpt.T("nee", "no"))), wijkhelpt.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wijkhelpt.ErrorCodeOf(tt.err); got != tt.want {
				t.Errorf("ErrorCodeOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestAsErrorNeverLeaksInternalText(t *testing.T) {
	secret := "dial tcp 10.0.0.7:27017: password=hunter2"
	e := wijkhelpt.AsError(fmt.Errorf("store: find request abc: %w", errors.New(secret)))
	if e.Code != wijkhelpt.ErrInternal {
		t.Errorf("code = %s, want internal", e.Code)
	}
	for _, s := range []string{e.Message.NL, e.Message.EN, e.Error()} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "10.0.0.7") || strings.Contains(s, "store:") {
			t.Errorf("user-facing text %q leaks the internal error", s)
		}
	}
	if e.Message.NL == "" || e.Message.EN == "" {
		t.Errorf("message is not in both languages: %+v", e.Message)
	}

	nf := wijkhelpt.NotFound(wijkhelpt.T("De hulpvraag", "The request"))
	if got := wijkhelpt.AsError(fmt.Errorf("store: %w", nf)); got != nf {
		t.Errorf("AsError of a wrapped *Error = %v, want the same *Error", got)
	}
	if got, want := nf.Message, wijkhelpt.T("De hulpvraag is niet gevonden.", "The request was not found."); got != want {
		t.Errorf("NotFound message = %+v, want %+v", got, want)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		in                string
		wantOK            bool
		staff, canMediate bool
	}{
		{"volunteer", true, false, false},
		{"phone", true, true, false},
		{"mediator", true, true, true},
		{"admin", true, true, true},
		{"Admin", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := wijkhelpt.ParseRole(tt.in)
			if !tt.wantOK {
				checkCode(t, err, wijkhelpt.ErrInvalid)
				return
			}
			checkCode(t, err, "")
			if got := [2]bool{r.IsStaff(), r.CanMediate()}; got != [2]bool{tt.staff, tt.canMediate} {
				t.Errorf("IsStaff, CanMediate = %v, want %v", got, [2]bool{tt.staff, tt.canMediate})
			}
		})
	}
	if got, want := wijkhelpt.UserActor(wijkhelpt.RoleMediator, "u1"), wijkhelpt.Actor("mediator:u1"); got != want {
		t.Errorf("UserActor = %q, want %q", got, want)
	}
	if got, want := wijkhelpt.SMSActor("o1"), wijkhelpt.Actor("sms:o1"); got != want {
		t.Errorf("SMSActor = %q, want %q", got, want)
	}
}

func TestCategories(t *testing.T) {
	cats := wijkhelpt.Categories()
	if len(cats) != 14 {
		t.Fatalf("got %d categories, want the 14 of spec §5", len(cats))
	}
	var vog []string
	for i, c := range cats {
		if got := wijkhelpt.CategoryIndex(c.Code); got != i {
			t.Errorf("CategoryIndex(%q) = %d, want %d", c.Code, got, i)
		}
		if c.NeedsVOG {
			vog = append(vog, c.Code)
		}
	}
	if diff := cmp.Diff([]string{"mantelzorg", "kinderen"}, vog); diff != "" {
		t.Errorf("VOG categories (-want +got):\n%s", diff)
	}
	if got := wijkhelpt.CategoryIndex("onbekend"); got != -1 {
		t.Errorf("CategoryIndex of an unknown code = %d, want -1", got)
	}
	if got, want := wijkhelpt.CategoryLabel("tuin", "en"), "Garden"; got != want {
		t.Errorf("CategoryLabel = %q, want %q", got, want)
	}
	if got, want := wijkhelpt.CategoryLabel("onbekend", "nl"), "onbekend"; got != want {
		t.Errorf("CategoryLabel of an unknown code = %q, want %q", got, want)
	}
	cats[0].Code = "changed"
	if wijkhelpt.Categories()[0].Code != "boodschappen" {
		t.Error("changing the returned slice changed the taxonomy")
	}
}
