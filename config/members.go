package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvMemberKey is the environment variable holding the key that hashes
// fødselsnummer. It takes precedence over Members.KeyFile.
const EnvMemberKey = "SENTRALBORD_MEMBER_KEY"

// MinMemberKey is the shortest accepted hashing key, in bytes.
const MinMemberKey = 16

// Members configures the member desk: the member directory, KID payment
// references, the hashing key for fødselsnummer and the departments that take
// messages.
type Members struct {
	// KIDAlgorithm is "MOD10" (Luhn) or "MOD11"; MOD10 by default.
	KIDAlgorithm string
	// KIDLength, when set, is the only accepted KID length (check digit
	// included); otherwise 2 to 25 digits.
	KIDLength int
	// KIDMemberFrom and KIDMemberTo are the 1-based, inclusive positions of
	// the membership number in the KID; 1 and the digit before the check
	// digit by default ("the first digits of the KID are the membership
	// number"). KIDMemberTo 0 means "up to the check digit".
	KIDMemberFrom, KIDMemberTo int
	// KeyFile holds the hashing key; a relative path is taken relative to
	// the configuration file's directory.
	KeyFile string
	// Departments take messages about members (ids).
	Departments []string
	// Directory is the default file for `member import`, relative to the
	// configuration file's directory.
	Directory string
}

// Department reports whether id is a configured department.
func (m Members) Department(id string) bool {
	for _, d := range m.Departments {
		if strings.EqualFold(d, id) {
			return true
		}
	}
	return false
}

// Key returns the fødselsnummer hashing key from EnvMemberKey, or from
// KeyFile without its trailing newline.
func (m Members) Key(getenv func(string) string) ([]byte, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	key := []byte(getenv(EnvMemberKey))
	if len(key) == 0 && m.KeyFile != "" {
		b, err := os.ReadFile(m.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("member key: %w", err)
		}
		key = []byte(strings.TrimRight(string(b), "\r\n"))
	}
	switch {
	case len(key) == 0:
		return nil, fmt.Errorf("member key: set %s or members.key_file", EnvMemberKey)
	case len(key) < MinMemberKey:
		return nil, fmt.Errorf("member key: shorter than %d bytes", MinMemberKey)
	}
	return key, nil
}

type rawMembers struct {
	Line         int
	KIDAlgorithm field
	KIDLength    field
	KIDPositions field
	KeyFile      field
	Departments  list
	Directory    field
}

func (d *decoder) members(v *yaml.Node, path string) rawMembers {
	m := rawMembers{Line: v.Line}
	if n := deref(v); n == nil || isNull(n) {
		return m
	}
	d.mapping(v, path, map[string]handler{
		"kid_algorithm":        d.into(&m.KIDAlgorithm),
		"kid_length":           d.into(&m.KIDLength),
		"kid_member_positions": d.into(&m.KIDPositions),
		"key_file":             d.into(&m.KeyFile),
		"departments":          d.intoList(&m.Departments),
		"directory":            d.into(&m.Directory),
		"key": func(v *yaml.Node, p string) {
			d.ps.add(v.Line, p, "the key does not belong in the configuration: set %s in the environment or point key_file at a file only the service can read", EnvMemberKey)
		},
	})
	return m
}

var positionsSyntax = regexp.MustCompile(`^([0-9]{1,2})-([0-9]{1,2})?$`)

func (c *checker) memberDesk() {
	raw := c.raw.Members
	m := Members{KIDAlgorithm: "MOD10", KIDMemberFrom: 1}
	if f := raw.KIDAlgorithm; f.Val != "" {
		switch a := strings.ToUpper(f.Val); a {
		case "MOD10", "MOD11":
			m.KIDAlgorithm = a
		default:
			c.ps.add(f.Line, "members.kid_algorithm", "unknown algorithm %q: want MOD10 or MOD11", f.Val)
		}
	}
	if f := raw.KIDLength; f.Val != "" {
		n, err := strconv.Atoi(f.Val)
		if err != nil || n < 2 || n > 25 {
			c.ps.add(f.Line, "members.kid_length", "want a number from 2 to 25, got %q", f.Val)
		} else {
			m.KIDLength = n
		}
	}
	if f := raw.KIDPositions; f.Val != "" {
		from, to := 0, 0
		mm := positionsSyntax.FindStringSubmatch(f.Val)
		if mm != nil {
			from, _ = strconv.Atoi(mm[1])
			to, _ = strconv.Atoi(mm[2]) // "" gives 0: up to the check digit
		}
		switch {
		case mm == nil || from < 1 || (to != 0 && to < from):
			c.ps.add(f.Line, "members.kid_member_positions", "want FROM-TO positions counted from 1, e.g. \"1-7\" (or \"1-\" for up to the check digit), got %q", f.Val)
		case m.KIDLength > 0 && (to >= m.KIDLength || from >= m.KIDLength):
			c.ps.add(f.Line, "members.kid_member_positions", "%q reaches the check digit of a %d-digit KID", f.Val, m.KIDLength)
		default:
			m.KIDMemberFrom, m.KIDMemberTo = from, to
		}
	}
	if p := raw.KeyFile.Val; p != "" {
		m.KeyFile = c.relative(p)
	}
	if p := raw.Directory.Val; p != "" {
		m.Directory = c.relative(p)
	}
	seen := map[string]bool{}
	for i, f := range raw.Departments.Items {
		path := fmt.Sprintf("members.departments[%d]", i)
		switch {
		case !idSyntax.MatchString(f.Val):
			c.ps.add(lineOr(f.Line, raw.Departments.Line), path, "invalid department %q: use lower-case letters a-z, digits, \"-\" and \"_\"", f.Val)
		case seen[f.Val]:
			c.ps.add(f.Line, path, "department %q listed twice", f.Val)
		default:
			seen[f.Val] = true
			m.Departments = append(m.Departments, f.Val)
		}
	}
	c.cfg.Members = m
}

func (c *checker) relative(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.ps.file), p)
}
