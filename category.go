package wijkhelpt

// Category is one kind of help in the desk's taxonomy (spec §5).
type Category struct {
	Code     string `json:"code"`
	Label    Text   `json:"label"`
	NeedsVOG bool   `json:"needsVog"` // a VOG certificate is needed to help in it
}

// Categories returns the taxonomy in its display order. The slice is new on
// every call, so callers may change it.
func Categories() []Category {
	return []Category{
		{"boodschappen", T("Boodschappen", "Groceries and errands"), false},
		{"vervoer", T("Vervoer en begeleiding", "Transport and accompaniment"), false},
		{"klussen", T("Klussen in huis", "Odd jobs"), false},
		{"tuin", T("Tuin", "Garden"), false},
		{"gezelschap", T("Gezelschap en bezoek", "Company and visits"), false},
		{"digitaal", T("Digitale hulp", "Digital help"), false},
		{"administratie", T("Administratie en formulieren", "Paperwork and forms"), false},
		{"taal", T("Taal", "Language"), false},
		{"maaltijden", T("Maaltijden", "Meals"), false},
		{"huisdieren", T("Huisdieren", "Pets"), false},
		{"verhuizen", T("Verhuizen en opruimen", "Moving and clearing out"), false},
		{"huishouden", T("Huishouden", "Household tasks"), false},
		{"mantelzorg", T("Respijt voor mantelzorgers", "Respite for carers"), true},
		{"kinderen", T("Kinderen en gezin", "Children and family"), true},
	}
}

// CategoryByCode finds a category by its code.
func CategoryByCode(code string) (Category, bool) {
	for _, c := range Categories() {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// CategoryIndex returns the position of code in Categories(), or -1. Matching
// uses it to keep category sets as bit masks.
func CategoryIndex(code string) int {
	for i, c := range Categories() {
		if c.Code == code {
			return i
		}
	}
	return -1
}

// CategoryLabel returns the label of code in lang, or the code itself.
func CategoryLabel(code, lang string) string {
	if c, ok := CategoryByCode(code); ok {
		return c.Label.In(lang)
	}
	return code
}

// normalizeCategories checks codes, drops duplicates and keeps the order.
func normalizeCategories(codes []string, field string, errs FieldErrors) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if _, ok := CategoryByCode(c); !ok {
			errs.Add(field, T("Kies een categorie uit de lijst.", "Choose a category from the list."))
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
