package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"wijkhelpt"
)

const goodOffers = `name;phone;email;postcode;house_number;lat;lon;categories;slots;max_distance_km;capacity;vog;languages
Jan de Vries;06-12345678;jan@example.nl;3961 AB;12;;;boodschappen|vervoer;di-ochtend|do-middag;7,5;2;;nl|en
Fatima El Amrani;+31 6 2345 6789;;3962ab;4a;;;kinderen|gezelschap;za-ochtend;5;1;2025-03-01;nl|ar
Stichting Buurtkracht;0343-123456;info@example.nl;3945 BC;1;51.99;5.21;klussen;;10;3;no;
`

func TestImportOffersTwiceCreatesNoDuplicates(t *testing.T) {
	env := testEnv(t)
	file := writeFile(t, "offers.csv", goodOffers)
	out, stderr, err := runCmd(t, env, "", "import", "offers", file)
	if err != nil {
		t.Fatalf("first import: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "3 nieuw") {
		t.Errorf("first import said %q, want 3 new", out)
	}
	out, stderr, err = runCmd(t, env, "", "import", file, "offers")
	if err == nil {
		t.Fatalf("arguments in the wrong order must be refused, got %q", out)
	}
	out, stderr, err = runCmd(t, env, "", "import", "offers", file)
	if err != nil {
		t.Fatalf("second import: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "0 nieuw, 3 stonden er al") {
		t.Errorf("second import said %q, want 0 new and 3 existing", out)
	}
	withServices(t, env, func(s *services) {
		n, err := s.db.CountOffers(context.Background())
		if err != nil || n != 3 {
			t.Fatalf("offers stored: got %d (%v), want 3", n, err)
		}
		offers, err := s.db.FindOffers(context.Background(), wijkhelpt.OfferFilter{Phone: "+31612345678"})
		if err != nil || len(offers) != 1 {
			t.Fatalf("find by phone: %v %v", offers, err)
		}
		o := offers[0]
		if o.MaxDistanceKm != 7.5 || o.Location.PC4 != "3961" || len(o.Slots) != 2 || !o.Mobile {
			t.Errorf("offer read wrongly: %+v", o)
		}
	})
}

func TestImportRefusesBadFileWhole(t *testing.T) {
	env := testEnv(t)
	bad := goodOffers + "Piet;06-1;;0000 AA;;;;tuin|onbekend;maandag;;;;\n" +
		"Klaas;06-34567890;;3961 AC;3;52.0;;tuin;;;;;\n"
	file := writeFile(t, "bad.csv", bad)
	_, stderr, err := runCmd(t, env, "", "import", "offers", file)
	if err == nil {
		t.Fatal("a file with bad rows must be refused")
	}
	for _, want := range []string{"regel 5, kolom phone", "regel 5, kolom postcode", "regel 5, kolom house_number",
		"regel 5, kolom categories", "regel 5, kolom slots", "regel 6, kolom lat/lon"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(err.Error(), "2 van 5 rijen") {
		t.Errorf("error %q should count the bad rows", err)
	}
	withServices(t, env, func(s *services) {
		if n, _ := s.db.CountOffers(context.Background()); n != 0 {
			t.Fatalf("a refused import stored %d offers", n)
		}
	})

	out, _, err := runCmd(t, env, "", "import", "offers", file, "--skip-invalid")
	if err != nil {
		t.Fatalf("--skip-invalid: %v", err)
	}
	if !strings.Contains(out, "3 nieuw") {
		t.Errorf("--skip-invalid said %q, want the 3 good rows imported", out)
	}
}

func TestImportRequestsInfersCategoriesAndKnowsLandlines(t *testing.T) {
	env := testEnv(t)
	file := writeFile(t, "requests.csv", `name,phone,postcode,house_number,lat,lon,text,categories,slots
Mevrouw Jansen,0343-571234,3961 AB,7,,,"Mijn heg moet gesnoeid worden en het gras is te lang",,
Henk Bos,06-11223344,3947 AA,2,,,Wie kan mij naar het ziekenhuis brengen voor een controle?,vervoer,wo-ochtend
`)
	if _, stderr, err := runCmd(t, env, "", "import", "requests", file); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if out, _, err := runCmd(t, env, "", "import", "requests", file); err != nil || !strings.Contains(out, "0 nieuw") {
		t.Fatalf("second import: %q %v", out, err)
	}
	withServices(t, env, func(s *services) {
		reqs, err := s.db.FindRequests(context.Background(), wijkhelpt.RequestFilter{})
		if err != nil || len(reqs) != 2 {
			t.Fatalf("got %d requests (%v), want 2", len(reqs), err)
		}
		for _, r := range reqs {
			switch r.Contact.Name {
			case "Mevrouw Jansen":
				if r.Contact.Mobile || r.Contact.Phone != "+31343571234" {
					t.Errorf("landline: got %q mobile=%v", r.Contact.Phone, r.Contact.Mobile)
				}
				if len(r.Categories) == 0 || r.Categories[0] != "tuin" || !r.CategoriesInferred {
					t.Errorf("inferred categories: got %v", r.Categories)
				}
			case "Henk Bos":
				if !r.Contact.Mobile || r.Location.PC4 != "3947" || fmt.Sprint(r.Slots) != "[wo-ochtend]" {
					t.Errorf("Henk: %+v", r)
				}
			}
			if len(r.Outbox) != 0 {
				t.Errorf("an import must not send SMS, outbox: %d", len(r.Outbox))
			}
		}
	})
}

// BenchmarkImportOffers measures the whole import (parse, validate, locate,
// store) on the embedded store; the target is at least 5,000 rows/s.
func BenchmarkImportOffers(b *testing.B) {
	const rows = 5000
	var sb strings.Builder
	sb.WriteString("name,phone,postcode,house_number,categories,slots\n")
	pcs := []string{"3961", "3962", "3945", "3947"}
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "Vrijwilliger %d,06%08d,%s AB,%d,boodschappen|tuin,di-ochtend\n", i, 10000000+i, pcs[i%4], i%200+1)
	}
	file := writeFile(b, "offers.csv", sb.String())
	b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
		b.StopTimer()
		for i := 0; i < b.N; i++ {
			env := testEnv(b)
			// Create the store outside the measured part: a real desk does
			// that once, not per import.
			withServices(b, env, func(*services) {})
			b.StartTimer()
			if _, stderr, err := runCmd(b, env, "", "import", "offers", file); err != nil {
				b.Fatalf("%v\n%s", err, stderr)
			}
			b.StopTimer()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
