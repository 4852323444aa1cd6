package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"golang.org/x/term"

	"wijkhelpt"
	"wijkhelpt/portal"
)

// cmdUserAdd creates an account, or sets a new password when the email
// exists. The password is read from stdin (one line) so it never shows up in
// the shell history or the process list; on a terminal it is asked without echo.
func cmdUserAdd(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var email, name, role, offerID string
	s, _, err := setup(ctx, "user add", args, io, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "login email (required)")
		fs.StringVar(&name, "name", "", "full name (required for a new account)")
		fs.StringVar(&role, "role", "", "volunteer, phone, mediator or admin (required for a new account)")
		fs.StringVar(&offerID, "offer", "", "for a volunteer: the ID of their offer")
	})
	if err != nil {
		return err
	}
	defer s.close()
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || !strings.Contains(email, "@") {
		return errors.New("give --email with a valid address")
	}
	pw, err := readPassword(io)
	if err != nil {
		return err
	}
	if len([]rune(pw)) < 10 {
		return errors.New("the password needs at least 10 characters")
	}
	hash, err := portal.HashPassword(pw)
	if err != nil {
		return err
	}
	if existing, err := s.db.FindUserByEmail(ctx, email); err == nil {
		_, err := s.db.UpdateUser(ctx, existing.ID, func(u *wijkhelpt.User) error {
			u.PasswordHash = hash
			return nil
		})
		if err == nil {
			fmt.Fprintf(io.out, "Nieuw wachtwoord gezet voor %s.\n", email)
		}
		return err
	} else if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		return err
	}
	r, err := wijkhelpt.ParseRole(role)
	if err != nil {
		return errors.New("give --role: volunteer, phone, mediator or admin")
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("give --name")
	}
	u := &wijkhelpt.User{ID: wijkhelpt.NewID(), Email: email, Name: strings.TrimSpace(name), Role: r,
		PasswordHash: hash, OfferID: offerID, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if offerID != "" {
		o, err := s.db.FindOffer(ctx, offerID)
		if err != nil {
			return fmt.Errorf("offer %s: %w", offerID, err)
		}
		u.Phone = o.Phone
	}
	if err := s.db.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "Account gemaakt: %s (%s), id %s.\n", email, r, u.ID)
	return nil
}

func readPassword(io stdio) (string, error) {
	if f, ok := io.in.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(io.err, "Wachtwoord: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(io.err)
		return string(b), err
	}
	line, err := bufio.NewReader(io.in).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("give the password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cmdTokenCreate prints a new bearer token for the API. Only its hash is stored.
func cmdTokenCreate(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var role, name string
	s, _, err := setup(ctx, "token create", args, io, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "phone, mediator or admin (required)")
		fs.StringVar(&name, "name", "api", "what the token is for, e.g. the name of the integration")
	})
	if err != nil {
		return err
	}
	defer s.close()
	r, err := wijkhelpt.ParseRole(role)
	if err != nil || !r.IsStaff() {
		return errors.New("give --role: phone, mediator or admin")
	}
	token := wijkhelpt.NewToken()
	t := &wijkhelpt.APIToken{ID: wijkhelpt.NewID(), Hash: wijkhelpt.HashToken(token), Name: name, Role: r, CreatedAt: time.Now()}
	if err := s.db.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(io.out, token)
	return nil
}
