package search

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"wijkhelpt"
)

//go:embed vocabulary/*.txt
var vocabularyFiles embed.FS

// DefaultVocabulary returns the vocabulary that ships with WijkHelpt: every
// file in search/vocabulary/, in name order. The format is described at the
// top of search/vocabulary/categories.txt. The slice is new on every call.
func DefaultVocabulary() []byte {
	entries, err := vocabularyFiles.ReadDir("vocabulary")
	if err != nil {
		return nil // cannot happen: the files are compiled in
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		b, err := vocabularyFiles.ReadFile("vocabulary/" + n)
		if err != nil {
			continue
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// vocabTerm is one term of a category line as written.
type vocabTerm struct {
	code   string
	text   string
	weight float64
	line   int
}

// vocabulary is a parsed vocabulary file.
type vocabulary struct {
	terms    []vocabTerm
	callers  [][]string // word sequences that end a staff introduction
	persons  map[string]bool
	ask      [][]string // word sequences that mark the question
	nosplit  map[string]bool
	synonyms [][]string
}

// parseVocabulary reads the format described in vocabulary/categories.txt.
// Every mistake is reported with its line number, so that an administrator
// who extends the file finds it.
func parseVocabulary(b []byte) (*vocabulary, error) {
	v := &vocabulary{persons: map[string]bool{}, nosplit: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("search: vocabulary line %d: want \"code: term, term\"", n)
		}
		head = strings.ToLower(strings.TrimSpace(head))
		items, err := splitTerms(rest)
		if err != nil {
			return nil, fmt.Errorf("search: vocabulary line %d: %w", n, err)
		}
		switch head {
		case "@caller", "@ask":
			for _, it := range items {
				words := rawWords(it.text)
				if len(words) == 0 {
					continue
				}
				if head == "@caller" {
					v.callers = append(v.callers, words)
				} else {
					v.ask = append(v.ask, words)
				}
			}
		case "@person", "@nosplit":
			for _, it := range items {
				for _, w := range rawWords(it.text) {
					if head == "@person" {
						v.persons[w] = true
					} else {
						v.nosplit[w] = true
					}
				}
			}
		case "@synonyms":
			group := []string{}
			for _, it := range items {
				if t := strings.ToLower(strings.TrimSpace(it.text)); t != "" {
					group = append(group, t)
				}
			}
			if len(group) < 2 {
				return nil, fmt.Errorf("search: vocabulary line %d: a synonym group needs two or more words", n)
			}
			v.synonyms = append(v.synonyms, group)
		default:
			if strings.HasPrefix(head, "@") {
				return nil, fmt.Errorf("search: vocabulary line %d: unknown directive %q", n, head)
			}
			if _, ok := wijkhelpt.CategoryByCode(head); !ok {
				return nil, fmt.Errorf("search: vocabulary line %d: unknown category %q", n, head)
			}
			for _, it := range items {
				v.terms = append(v.terms, vocabTerm{code: head, text: it.text, weight: it.weight, line: n})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("search: read vocabulary: %w", err)
	}
	if len(v.terms) == 0 {
		return nil, fmt.Errorf("search: vocabulary has no category terms")
	}
	return v, nil
}

type rawItem struct {
	text   string
	weight float64
}

// splitTerms reads `term, "a phrase"*2, term*0.5`.
func splitTerms(s string) ([]rawItem, error) {
	var out []rawItem
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		weight := 1.0
		if i := strings.LastIndex(part, "*"); i >= 0 {
			w, err := strconv.ParseFloat(strings.TrimSpace(part[i+1:]), 64)
			if err != nil || w <= 0 || w > 10 {
				return nil, fmt.Errorf("bad weight in %q (want a number between 0 and 10)", part)
			}
			weight = w
			part = strings.TrimSpace(part[:i])
		}
		if strings.HasPrefix(part, "\"") {
			if len(part) < 2 || !strings.HasSuffix(part, "\"") {
				return nil, fmt.Errorf("unclosed quote in %q", part)
			}
			part = part[1 : len(part)-1]
		}
		if strings.ContainsRune(part, '"') {
			return nil, fmt.Errorf("stray quote in %q", part)
		}
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("empty term")
		}
		out = append(out, rawItem{text: part, weight: weight})
	}
	return out, nil
}
