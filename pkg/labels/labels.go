// Package labels implements label sets and matchers: the identity of a stream. A Labels value is
// sorted by name and has unique names; its String form is the selector form Loki uses on the
// wire ({a="b", c="d"}).
package labels

import (
	"sort"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Label is one name/value pair.
type Label struct {
	Name  string
	Value string
}

// Labels is a label set sorted by name. Treat it as immutable once built.
type Labels []Label

// New returns a sorted copy of ls.
func New(ls ...Label) Labels {
	out := make(Labels, len(ls))
	copy(out, ls)
	sort.Sort(out)
	return out
}

// FromStrings builds a label set from name, value pairs.
func FromStrings(nv ...string) Labels {
	if len(nv)%2 != 0 {
		panic("BUG: labels.FromStrings needs pairs")
	}
	out := make(Labels, 0, len(nv)/2)
	for i := 0; i < len(nv); i += 2 {
		out = append(out, Label{nv[i], nv[i+1]})
	}
	sort.Sort(out)
	return out
}

// FromMap builds a sorted label set from m.
func FromMap(m map[string]string) Labels {
	out := make(Labels, 0, len(m))
	for k, v := range m {
		out = append(out, Label{k, v})
	}
	sort.Sort(out)
	return out
}

func (ls Labels) Len() int           { return len(ls) }
func (ls Labels) Less(i, j int) bool { return ls[i].Name < ls[j].Name }
func (ls Labels) Swap(i, j int)      { ls[i], ls[j] = ls[j], ls[i] }

// Get returns the value of name, or "" when absent.
func (ls Labels) Get(name string) string {
	for _, l := range ls {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// Has reports whether name is present.
func (ls Labels) Has(name string) bool {
	for _, l := range ls {
		if l.Name == name {
			return true
		}
	}
	return false
}

// Map returns the labels as a map.
func (ls Labels) Map() map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// Equal reports whether two sorted label sets are identical.
func Equal(a, b Labels) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Compare orders label sets lexicographically by name then value.
func Compare(a, b Labels) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if c := strings.Compare(a[i].Name, b[i].Name); c != 0 {
			return c
		}
		if c := strings.Compare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// String renders the selector form {a="b", c="d"}, Loki's canonical stream string.
func (ls Labels) String() string {
	var b strings.Builder
	b.Grow(len(ls) * 16)
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(l.Value))
	}
	b.WriteByte('}')
	return b.String()
}

var sep = []byte{0xff}

// Hash returns a stable 64-bit hash of the label set.
func (ls Labels) Hash() uint64 {
	d := xxhash.New()
	for _, l := range ls {
		_, _ = d.WriteString(l.Name)
		_, _ = d.Write(sep)
		_, _ = d.WriteString(l.Value)
		_, _ = d.Write(sep)
	}
	return d.Sum64()
}

// Without returns ls without the named labels.
func (ls Labels) Without(names ...string) Labels {
	out := make(Labels, 0, len(ls))
outer:
	for _, l := range ls {
		for _, n := range names {
			if l.Name == n {
				continue outer
			}
		}
		out = append(out, l)
	}
	return out
}

// Keep returns only the named labels of ls.
func (ls Labels) Keep(names ...string) Labels {
	out := make(Labels, 0, len(names))
	for _, l := range ls {
		for _, n := range names {
			if l.Name == n {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// IsValidName reports whether s is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*.
func IsValidName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}
