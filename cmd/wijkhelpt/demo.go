package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"wijkhelpt"
	"wijkhelpt/portal"
)

func cmdDemo(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	s, _, err := setup(ctx, "demo", args, io, getenv, nil)
	if err != nil {
		return err
	}
	defer s.close()
	return loadDemo(ctx, s, io.out)
}

// loadDemoIfEmpty loads the demo set into a store that has no offers and no
// requests yet, so that "serve --demo" never mixes demo data into real data.
func loadDemoIfEmpty(ctx context.Context, s *services, out io.Writer) error {
	no, err := s.db.CountOffers(ctx)
	if err != nil {
		return err
	}
	nr, err := s.db.CountRequests(ctx)
	if err != nil {
		return err
	}
	if no > 0 || nr > 0 {
		fmt.Fprintln(out, "De database heeft al gegevens; de demo wordt niet geladen.")
		return nil
	}
	return loadDemo(ctx, s, out)
}

// demoStaff are the accounts the demo creates, one per role.
type demoAccount struct {
	email, name string
	role        wijkhelpt.Role
}

func demoStaff() []demoAccount {
	return []demoAccount{
		{"beheer@demo.wijkhelpt.nl", "Anouk Beheerder", wijkhelpt.RoleAdmin},
		{"bemiddelaar@demo.wijkhelpt.nl", "Sanne Bemiddelaar", wijkhelpt.RoleMediator},
		{"telefoon@demo.wijkhelpt.nl", "Priya Telefoonteam", wijkhelpt.RolePhone},
		{"vrijwilliger@demo.wijkhelpt.nl", "", wijkhelpt.RoleVolunteer},
	}
}

// loadDemo loads the Wijk bij Duurstede demo set. Running it again adds
// nothing: offers and requests carry import keys, and existing accounts are
// left alone.
func loadDemo(ctx context.Context, s *services, out io.Writer) error {
	offers, requests := demoSet(time.Now().In(wijkhelpt.Amsterdam()))
	var first *wijkhelpt.Offer
	newOffers := 0
	for i, in := range offers {
		o, err := s.desk.PrepareOffer(ctx, in, wijkhelpt.ActorImport)
		if err != nil {
			return fmt.Errorf("demo offer %d: %w", i+1, err)
		}
		o.ImportKey = wijkhelpt.OfferImportKey(o.Phone, o.Name)
		stored, created, err := s.db.CreateOffer(ctx, o)
		if err != nil {
			return fmt.Errorf("demo offer %d: %w", i+1, err)
		}
		if created {
			newOffers++
		}
		if first == nil && stored.Kind == wijkhelpt.OfferVolunteer {
			first = stored
		}
	}
	newRequests := 0
	for i, in := range requests {
		in.IdempotencyKey = fmt.Sprintf("demo:%d:%s", i, strings.ToLower(strings.Join(strings.Fields(in.Contact.Name), "-")))
		_, _, created, err := s.desk.SubmitRequest(ctx, in, wijkhelpt.ChannelImport, wijkhelpt.ActorImport, true)
		if err != nil {
			return fmt.Errorf("demo request %d: %w", i+1, err)
		}
		if created {
			newRequests++
		}
	}
	fmt.Fprintf(out, "Demo geladen: %d nieuwe aanbiedingen, %d nieuwe hulpvragen (Wijk bij Duurstede).\n", newOffers, newRequests)

	var logins []string
	for _, st := range demoStaff() {
		if _, err := s.db.FindUserByEmail(ctx, st.email); err == nil {
			continue
		}
		pw := wijkhelpt.NewToken()[:16]
		hash, err := portal.HashPassword(pw)
		if err != nil {
			return err
		}
		u := &wijkhelpt.User{ID: wijkhelpt.NewID(), Email: st.email, Name: st.name, Role: st.role,
			PasswordHash: hash, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if st.role == wijkhelpt.RoleVolunteer {
			if first == nil {
				continue
			}
			u.Name, u.OfferID, u.Phone = first.Name, first.ID, first.Phone
		}
		if err := s.db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", st.email, err)
		}
		logins = append(logins, fmt.Sprintf("  %-10s %-32s wachtwoord: %s", st.role, st.email, pw))
	}
	if len(logins) == 0 {
		fmt.Fprintln(out, "De demo-accounts bestonden al (nieuw wachtwoord: wijkhelpt user add).")
		return nil
	}
	text := "Inloggen op /inloggen met:\n" + strings.Join(logins, "\n") + "\n"
	fmt.Fprint(out, text)
	path := filepath.Join(s.cfg.DataDir, "demo-logins.txt")
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err == nil {
		if err := os.WriteFile(path, []byte(text), 0o600); err == nil {
			fmt.Fprintf(out, "(Ook bewaard in %s.)\n", path)
		}
	}
	return nil
}
