package members

import (
	"errors"
	"testing"
)

func TestParseKID(t *testing.T) {
	mod10 := KIDRules{Algorithm: MOD10, MemberFrom: 1, MemberTo: 7}
	mod11 := KIDRules{Algorithm: MOD11, MemberFrom: 1, MemberTo: 7}
	tests := []struct {
		name  string
		rules KIDRules
		kid   string
		no    string
		err   error
	}{
		{"MOD10 valid", mod10, "10000016", "1000001", nil},
		{"MOD10 valid with spaces", mod10, "1000001 6", "1000001", nil},
		{"MOD10 wrong check digit", mod10, "10000017", "", ErrKIDCheckDigit},
		{"MOD10 refuses the dash", mod10, "1000005-", "", ErrKIDFormat},
		{"MOD11 valid", mod11, "10000017", "1000001", nil},
		{"MOD11 check digit 10 is a dash", mod11, "1000005-", "1000005", nil},
		{"MOD11 check digit 11 is 0", mod11, "10000130", "1000013", nil},
		{"MOD11 wrong check digit", mod11, "10000016", "", ErrKIDCheckDigit},
		{"MOD11 dash where a digit belongs", mod11, "1000001-", "", ErrKIDCheckDigit},
		{"member number from later positions", KIDRules{Algorithm: MOD10, MemberFrom: 3, MemberTo: 9}, WithCheckDigit(MOD10, "991000001"), "1000001", nil},
		{"member number up to the check digit", KIDRules{Algorithm: MOD10}, "00010000016"[3:], "1000001", nil},
		{"leading zeros dropped", KIDRules{Algorithm: MOD10}, WithCheckDigit(MOD10, "0001000001"), "1000001", nil},
		{"wrong configured length", KIDRules{Algorithm: MOD10, Length: 10}, "10000016", "", ErrKIDLength},
		{"too short", mod10, "1", "", ErrKIDLength},
		{"too long", mod10, "12345678901234567890123456", "", ErrKIDLength},
		{"letters", mod10, "1000A016", "", ErrKIDFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			no, err := tt.rules.ParseKID(tt.kid)
			if !errors.Is(err, tt.err) || no != tt.no {
				t.Fatalf("ParseKID(%q) = %q, %v; want %q, %v", tt.kid, no, err, tt.no, tt.err)
			}
		})
	}
}

func FuzzParseKID(f *testing.F) {
	for _, s := range []string{"10000016", "1000005-", "", "-", "99999999999999999999999999"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, kid string, m11 bool) {
		r := KIDRules{Algorithm: MOD10, MemberFrom: 2, MemberTo: 30}
		if m11 {
			r.Algorithm = MOD11
		}
		if no, err := r.ParseKID(kid); err == nil && no == "" {
			t.Fatal("valid KID without a membership number")
		}
	})
}
