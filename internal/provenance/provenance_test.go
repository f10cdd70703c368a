package provenance

import "testing"

func TestProvenance(t *testing.T) {
	s := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	v := "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	doc := "# Audit\n\ntext\n" + Line(s, v)
	gs, gv, ok := Parse([]byte(doc))
	if !ok || gs != s || gv != v {
		t.Fatalf("Parse = %q %q %v", gs, gv, ok)
	}
	for _, bad := range []string{
		"# Audit\n",
		doc + "more text after\n", // not last
		"<!-- soakline-provenance soak=abc verdict=def -->\n",              // not digests
		"x<!-- soakline-provenance soak=" + s + " verdict=" + v + " -->\n", // not at a line start
	} {
		if _, _, ok := Parse([]byte(bad)); ok {
			t.Errorf("Parse(%q) ok", bad)
		}
	}
}
