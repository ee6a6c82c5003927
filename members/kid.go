package members

import (
	"errors"
	"fmt"
	"strings"
)

// KID algorithms.
const (
	MOD10 = "MOD10" // Luhn
	MOD11 = "MOD11" // weights 2–7 from the right; 10 gives "-"
)

// Errors of KIDRules.Parse.
var (
	ErrKIDFormat     = errors.New("KID: only digits, with \"-\" allowed as the last (MOD11) check digit")
	ErrKIDLength     = errors.New("KID: wrong length")
	ErrKIDCheckDigit = errors.New("KID: wrong check digit")
)

// KIDRules say how a deployment's KIDs are built.
type KIDRules struct {
	Algorithm string // MOD10 or MOD11
	// Length, when not 0, is the only accepted length; else 2 to 25.
	Length int
	// MemberFrom and MemberTo are the 1-based, inclusive positions of the
	// membership number; MemberTo 0 means up to the check digit.
	MemberFrom, MemberTo int
}

// ParseKID validates kid and returns the membership number in it, leading
// zeros removed.
func (r KIDRules) ParseKID(kid string) (string, error) {
	kid = strings.TrimSpace(digitsOnlyKeepDash(kid))
	switch n := len(kid); {
	case r.Length > 0 && n != r.Length:
		return "", fmt.Errorf("%w: %d digits, want %d", ErrKIDLength, n, r.Length)
	case n < 2 || n > 25:
		return "", fmt.Errorf("%w: %d digits, want 2 to 25", ErrKIDLength, n)
	}
	body, check := kid[:len(kid)-1], kid[len(kid)-1]
	if !allDigits(body) || !(check >= '0' && check <= '9' || check == '-' && r.Algorithm == MOD11) {
		return "", ErrKIDFormat
	}
	var want byte
	if r.Algorithm == MOD11 {
		want = mod11(body)
	} else {
		want = luhn(body)
	}
	if check != want {
		return "", ErrKIDCheckDigit
	}
	from, to := max(r.MemberFrom, 1), r.MemberTo
	if to == 0 || to > len(body) {
		to = len(body)
	}
	if from > to {
		return "", fmt.Errorf("%w: too short to hold a membership number at positions %d-%d", ErrKIDLength, r.MemberFrom, r.MemberTo)
	}
	no := strings.TrimLeft(body[from-1:to], "0")
	if no == "" {
		return "", fmt.Errorf("%w: the membership number in it is 0", ErrKIDFormat)
	}
	return no, nil
}

// luhn returns the MOD10 check digit of body.
func luhn(body string) byte {
	sum := 0
	for i := range len(body) {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// mod11 returns the MOD11 check digit of body: '-' when the remainder asks
// for 10, '0' when it asks for 11.
func mod11(body string) byte {
	sum := 0
	for i := range len(body) {
		sum += int(body[len(body)-1-i]-'0') * (2 + i%6)
	}
	switch c := 11 - sum%11; c {
	case 11:
		return '0'
	case 10:
		return '-'
	default:
		return byte('0' + c)
	}
}

// WithCheckDigit appends the check digit of the algorithm to body; the demo
// data and tests build KIDs with it.
func WithCheckDigit(algorithm, body string) string {
	if algorithm == MOD11 {
		return body + string(mod11(body))
	}
	return body + string(luhn(body))
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func digitsOnlyKeepDash(s string) string {
	return strings.NewReplacer(" ", "", ".", "").Replace(s)
}
