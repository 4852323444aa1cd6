package storetest

import (
	"errors"
	"slices"
	"testing"

	"wijkhelpt"
)

var userScenarios = []scenario{
	{"user/create, find and update", testUsers},
	{"user/tokens", testTokens},
}

func testUsers(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	anna := &wijkhelpt.User{Email: " Anna@Example.NL ", Name: "Anna", Role: wijkhelpt.RoleMediator, CreatedAt: t0}
	if err := s.CreateUser(ctx, anna); err != nil {
		t.Fatal(err)
	}
	if anna.ID == "" || anna.Email != "anna@example.nl" || anna.Revision <= 0 ||
		anna.SchemaVersion != wijkhelpt.SchemaVersion || anna.UpdatedAt.IsZero() {
		t.Errorf("after CreateUser: id %q, email %q, revision %d, schema %d, updated %v; want an ID, the lower-case address, a revision, schema %d and a time",
			anna.ID, anna.Email, anna.Revision, anna.SchemaVersion, anna.UpdatedAt, wijkhelpt.SchemaVersion)
	}
	bert := &wijkhelpt.User{Email: "bert@example.nl", Name: "Bert", Role: wijkhelpt.RoleVolunteer, OfferID: "o1", CreatedAt: t0}
	if err := s.CreateUser(ctx, bert); err != nil {
		t.Fatal(err)
	}
	if bert.Revision <= anna.Revision || bert.ID == anna.ID {
		t.Errorf("second user: id %s, revision %d; want a new ID and a revision above %d", bert.ID, bert.Revision, anna.Revision)
	}

	err := s.CreateUser(ctx, &wijkhelpt.User{Email: "ANNA@example.nl", Name: "Anna 2", Role: wijkhelpt.RoleAdmin})
	checkEmailConflict(t, "CreateUser with a taken address", err)

	for _, email := range []string{"anna@example.nl", "ANNA@EXAMPLE.NL", " Anna@example.nl"} {
		got, err := s.FindUserByEmail(ctx, email)
		if err != nil || got.ID != anna.ID {
			t.Errorf("FindUserByEmail(%q) = %v, %v; want %s", email, got, err, anna.ID)
		}
	}
	if got, err := s.FindUserByEmail(ctx, "nobody@example.nl"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindUserByEmail(nobody) = %v, %v; want nil, not found", got, err)
	}
	got, err := s.FindUser(ctx, bert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(bert, got); diff != "" {
		t.Errorf("FindUser (-created +found):\n%s", diff)
	}
	if got, err := s.FindUser(ctx, "missing"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindUser(missing) = %v, %v; want nil, not found", got, err)
	}
	carla := &wijkhelpt.User{Email: "carla@example.nl", Name: "Carla", Role: wijkhelpt.RoleAdmin, CreatedAt: t0}
	if err := s.CreateUser(ctx, carla); err != nil {
		t.Fatal(err)
	}
	users, err := s.FindUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emails := []string{}
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if want := []string{"anna@example.nl", "bert@example.nl", "carla@example.nl"}; !slices.Equal(emails, want) {
		t.Errorf("FindUsers: %q; want %q", emails, want)
	}

	renamed, err := s.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error {
		u.Name = "Bert Bakker"
		return nil
	})
	if err != nil || renamed.Name != "Bert Bakker" || renamed.Revision <= carla.Revision {
		t.Fatalf("UpdateUser: %+v, %v; want the new name and a revision above %d", renamed, err, carla.Revision)
	}
	_, err = s.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error {
		u.Email = "Anna@example.nl"
		return nil
	})
	checkEmailConflict(t, "UpdateUser to a taken address", err)
	after, err := s.FindUser(ctx, bert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(renamed, after); diff != "" {
		t.Errorf("refused e-mail change changed the user (-before +after):\n%s", diff)
	}
	// A free address is stored in lower case, and the old one is free.
	moved, err := s.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error {
		u.Email = "B.Bakker@Example.NL"
		return nil
	})
	if err != nil || moved.Email != "b.bakker@example.nl" {
		t.Fatalf("UpdateUser to a free address: %+v, %v; want email b.bakker@example.nl", moved, err)
	}
	if got, err := s.FindUserByEmail(ctx, "b.bakker@example.nl"); err != nil || got.ID != bert.ID {
		t.Errorf("FindUserByEmail(new address) = %v, %v; want %s", got, err, bert.ID)
	}
	if err := s.CreateUser(ctx, &wijkhelpt.User{Email: "bert@example.nl", Name: "Other Bert", Role: wijkhelpt.RolePhone}); err != nil {
		t.Errorf("CreateUser with the address Bert left: %v; want it free", err)
	}
	sentinel := errors.New("no thanks")
	if _, err := s.UpdateUser(ctx, carla.ID, func(u *wijkhelpt.User) error { u.Disabled = true; return sentinel }); err != sentinel {
		t.Errorf("UpdateUser returned %v; want fn's error itself", err)
	}
	if got, err := s.FindUser(ctx, carla.ID); err != nil || got.Disabled || got.Revision != carla.Revision {
		t.Errorf("after a refused change: %+v, %v; want Carla unchanged", got, err)
	}
	if _, err := s.UpdateUser(ctx, "missing", func(*wijkhelpt.User) error { return nil }); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("UpdateUser(missing): %v; want not found", err)
	}
}

func checkEmailConflict(tb testing.TB, what string, err error) {
	tb.Helper()
	var e *wijkhelpt.Error
	if !errors.As(err, &e) || e.Code != wijkhelpt.ErrConflict || e.Fields["email"].NL == "" {
		tb.Errorf("%s: got %v; want a conflict on the field email", what, err)
	}
}

func testTokens(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	tok := &wijkhelpt.APIToken{ID: "tok1", Hash: wijkhelpt.HashToken("secret"), Name: "koppeling", Role: wijkhelpt.RolePhone,
		UserID: "u1", CreatedAt: t0}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindTokenByHash(ctx, tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(tok, got); diff != "" {
		t.Errorf("FindTokenByHash (-created +found):\n%s", diff)
	}
	dup := &wijkhelpt.APIToken{ID: "tok2", Hash: tok.Hash, Name: "again", Role: wijkhelpt.RoleAdmin}
	if err := s.CreateToken(ctx, dup); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateToken with a taken hash: %v; want a conflict", err)
	}
	if got, err := s.FindTokenByHash(ctx, tok.Hash); err != nil || got.Name != tok.Name {
		t.Errorf("after a refused create: %+v, %v; want %q", got, err, tok.Name)
	}
	revoked := &wijkhelpt.APIToken{ID: "tok3", Hash: wijkhelpt.HashToken("old"), Name: "oud", Role: wijkhelpt.RoleAdmin, Revoked: true}
	if err := s.CreateToken(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	for _, hash := range []string{revoked.Hash, wijkhelpt.HashToken("unknown"), ""} {
		if got, err := s.FindTokenByHash(ctx, hash); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
			t.Errorf("FindTokenByHash(%.8s) = %v, %v; want nil, not found", hash, got, err)
		}
	}
}
