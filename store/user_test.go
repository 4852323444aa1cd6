package store_test

import (
	"errors"
	"slices"
	"testing"

	"wijkhelpt"
	"wijkhelpt/store/storetest"
)

func TestUsers(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	anna := &wijkhelpt.User{Email: " Anna@Example.NL ", Name: "Anna", Role: wijkhelpt.RoleMediator, CreatedAt: t0}
	if err := db.CreateUser(ctx, anna); err != nil {
		t.Fatal(err)
	}
	if anna.ID == "" || anna.Email != "anna@example.nl" || anna.Revision == 0 {
		t.Errorf("after CreateUser: id %q, email %q, revision %d; want an ID, the lower-case address, a revision", anna.ID, anna.Email, anna.Revision)
	}
	bert := &wijkhelpt.User{Email: "bert@example.nl", Name: "Bert", Role: wijkhelpt.RoleVolunteer, CreatedAt: t0}
	if err := db.CreateUser(ctx, bert); err != nil {
		t.Fatal(err)
	}

	err := db.CreateUser(ctx, &wijkhelpt.User{Email: "ANNA@example.nl", Name: "Anna 2", Role: wijkhelpt.RoleAdmin})
	assertEmailConflict(t, "CreateUser with a taken address", err)

	for _, email := range []string{"anna@example.nl", "ANNA@EXAMPLE.NL"} {
		got, err := db.FindUserByEmail(ctx, email)
		if err != nil || got.ID != anna.ID {
			t.Errorf("FindUserByEmail(%q) = %v, %v; want %s", email, got, err, anna.ID)
		}
	}
	got, err := db.FindUser(ctx, bert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(bert, got); diff != "" {
		t.Errorf("FindUser (-created +found):\n%s", diff)
	}
	if _, err := db.FindUser(ctx, "missing"); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindUser(missing): %v; want not found", err)
	}
	users, err := db.FindUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emails := []string{}
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if want := []string{"anna@example.nl", "bert@example.nl"}; !slices.Equal(emails, want) {
		t.Errorf("FindUsers: %q; want %q", emails, want)
	}

	renamed, err := db.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error {
		u.Name = "Bert Bakker"
		return nil
	})
	if err != nil || renamed.Name != "Bert Bakker" || renamed.Revision <= bert.Revision {
		t.Errorf("UpdateUser: %+v, %v; want the new name and a higher revision", renamed, err)
	}
	_, err = db.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error {
		u.Email = "Anna@example.nl"
		return nil
	})
	assertEmailConflict(t, "UpdateUser to a taken address", err)
	after, err := db.FindUser(ctx, bert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(renamed, after); diff != "" {
		t.Errorf("refused e-mail change changed the user (-before +after):\n%s", diff)
	}
}

func assertEmailConflict(t *testing.T, what string, err error) {
	t.Helper()
	var e *wijkhelpt.Error
	if !errors.As(err, &e) || e.Code != wijkhelpt.ErrConflict || e.Fields["email"].NL == "" {
		t.Errorf("%s: %v; want a conflict on field email", what, err)
	}
}

func TestTokens(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	tok := &wijkhelpt.APIToken{Hash: wijkhelpt.HashToken("secret"), Name: "koppeling", Role: wijkhelpt.RolePhone, CreatedAt: t0}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindTokenByHash(ctx, tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(tok, got); diff != "" {
		t.Errorf("FindTokenByHash (-created +found):\n%s", diff)
	}
	dup := &wijkhelpt.APIToken{Hash: tok.Hash, Name: "again", Role: wijkhelpt.RoleAdmin}
	if err := db.CreateToken(ctx, dup); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateToken with a taken hash: %v; want a conflict", err)
	}
	revoked := &wijkhelpt.APIToken{Hash: wijkhelpt.HashToken("old"), Name: "oud", Role: wijkhelpt.RoleAdmin, Revoked: true}
	if err := db.CreateToken(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	for _, hash := range []string{revoked.Hash, wijkhelpt.HashToken("unknown"), ""} {
		if _, err := db.FindTokenByHash(ctx, hash); codeOf(err) != wijkhelpt.ErrNotFound {
			t.Errorf("FindTokenByHash(%.8s): %v; want not found", hash, err)
		}
	}
}
