package release

import (
	"regexp"
	"strings"
)

// Commit is one commit of the changelog.
type Commit struct {
	Hash    string // full
	Subject string
	Body    string
}

// Conventional is a commit read as a Conventional Commit.
type Conventional struct {
	Commit
	Type        string // feat, fix, ...; "" when the subject does not follow the convention
	Scope       string
	Description string
	Breaking    bool
	// BreakingNote is the text of a BREAKING CHANGE footer, if any.
	BreakingNote string
}

var ccSubject = regexp.MustCompile(`^([A-Za-z]+)(?:\(([^()\r\n]*)\))?(!)?: +(\S.*)$`)
var ccFooter = regexp.MustCompile(`(?m)^BREAKING[ -]CHANGE: *(.*)$`)

// ParseCommit reads c's subject and body as a Conventional Commit
// (conventionalcommits.org 1.0): "type(scope)!: description", and a
// "BREAKING CHANGE:" or "BREAKING-CHANGE:" footer.
func ParseCommit(c Commit) Conventional {
	cc := Conventional{Commit: c, Description: c.Subject}
	if m := ccSubject.FindStringSubmatch(c.Subject); m != nil {
		cc.Type = strings.ToLower(m[1])
		cc.Scope = strings.TrimSpace(m[2])
		cc.Breaking = m[3] == "!"
		cc.Description = m[4]
	}
	if m := ccFooter.FindStringSubmatch(c.Body); m != nil {
		cc.Breaking = true
		cc.BreakingNote = strings.TrimSpace(m[1])
	}
	return cc
}

// Group is one section of the changelog's commit list.
type Group struct {
	Title   string
	Commits []Conventional
}

// groupOrder is the order of the sections after "Breaking changes"; types
// not listed fall into "Other changes", with the commits that do not follow
// the convention.
var groupOrder = []struct{ typ, title string }{
	{"feat", "Features"},
	{"fix", "Bug fixes"},
	{"perf", "Performance"},
	{"refactor", "Refactoring"},
	{"revert", "Reverts"},
	{"docs", "Documentation"},
	{"test", "Tests"},
	{"build", "Build"},
	{"ci", "CI"},
	{"style", "Style"},
	{"chore", "Chores"},
}

// GroupCommits sorts commits (newest first, as git log lists them) into
// sections: breaking changes first, whatever their type, then one section
// per type in groupOrder, then the rest. Empty sections are left out; the
// order within a section is the input order.
func GroupCommits(commits []Commit) []Group {
	var breaking, other []Conventional
	byType := map[string][]Conventional{}
	known := map[string]bool{}
	for _, g := range groupOrder {
		known[g.typ] = true
	}
	for _, c := range commits {
		cc := ParseCommit(c)
		switch {
		case cc.Breaking:
			breaking = append(breaking, cc)
		case known[cc.Type]:
			byType[cc.Type] = append(byType[cc.Type], cc)
		default:
			other = append(other, cc)
		}
	}
	var out []Group
	if len(breaking) > 0 {
		out = append(out, Group{"Breaking changes", breaking})
	}
	for _, g := range groupOrder {
		if cs := byType[g.typ]; len(cs) > 0 {
			out = append(out, Group{g.title, cs})
		}
	}
	if len(other) > 0 {
		out = append(out, Group{"Other changes", other})
	}
	return out
}
