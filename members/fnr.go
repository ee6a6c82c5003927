package members

import (
	"errors"
	"fmt"
	"time"
)

// FnrKind says which kind of national identity number a number is.
type FnrKind string

// Kinds of fødselsnummer.
const (
	FnrOrdinary  FnrKind = "fødselsnummer"
	FnrD         FnrKind = "D-number"         // day + 40: foreign nationals
	FnrH         FnrKind = "H-number"         // month + 40: assistance numbers
	FnrSynthetic FnrKind = "synthetic number" // month + 80: test numbers, never issued
)

// Errors of ValidateFnr. They never contain the number.
var (
	ErrFnrFormat      = errors.New("not 11 digits")
	ErrFnrDate        = errors.New("no such birth date")
	ErrFnrCheckDigit1 = errors.New("first check digit is wrong")
	ErrFnrCheckDigit2 = errors.New("second check digit is wrong")
)

// Fnr is what validation learns about a number; it holds nothing that
// identifies the person.
type Fnr struct {
	Kind FnrKind
	// NewK1Rule is set when the first check digit is only valid under the
	// rule for numbers issued from 2032 (weighted sum 1–3 mod 11, not 0).
	NewK1Rule bool
}

var (
	k1Weights = [10]int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1}
	k2Weights = [11]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// ValidateFnr checks an 11-digit fødselsnummer, D-number, H-number or
// synthetic test number: the birth date and both mod-11 check digits. The
// first check digit is accepted when the weighted sum including it is 0 mod
// 11 (the rule for every number issued so far, where 11 gives check digit 0)
// or 1, 2 or 3 mod 11 (numbers issued from 2032). The second check digit
// must give 0.
func ValidateFnr(s string) (Fnr, error) {
	var d [11]int
	if len(s) != 11 {
		return Fnr{}, ErrFnrFormat
	}
	for i := range 11 {
		if s[i] < '0' || s[i] > '9' {
			return Fnr{}, ErrFnrFormat
		}
		d[i] = int(s[i] - '0')
	}
	f := Fnr{Kind: FnrOrdinary}
	day, month := d[0]*10+d[1], d[2]*10+d[3]
	switch {
	case day > 40 && month > 40:
		return Fnr{}, fmt.Errorf("%w: both day and month are shifted", ErrFnrDate)
	case day > 40:
		f.Kind, day = FnrD, day-40
	case month > 80:
		f.Kind, month = FnrSynthetic, month-80
	case month > 40:
		f.Kind, month = FnrH, month-40
	}
	if !validDate(day, month, d[4]*10+d[5], d[6]*100+d[7]*10+d[8]) {
		return Fnr{}, ErrFnrDate
	}
	sum := 0
	for i, w := range k1Weights {
		sum += w * d[i]
	}
	switch sum % 11 {
	case 0:
	case 1, 2, 3:
		f.NewK1Rule = true
	default:
		return Fnr{}, ErrFnrCheckDigit1
	}
	sum = 0
	for i, w := range k2Weights {
		sum += w * d[i]
	}
	if sum%11 != 0 {
		return Fnr{}, ErrFnrCheckDigit2
	}
	return f, nil
}

// validDate checks day and month against the century the individual number
// gives. A combination no century allows is still accepted when the date
// exists in some year, since the numbers issued from 2032 no longer tie the
// individual number to a century.
func validDate(day, month, yy, individual int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	year, ok := century(yy, individual)
	if !ok {
		year = 2000 + yy // any leap-year rule for yy
	}
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// century returns the full birth year from the two-digit year and the
// individual number, as the population register assigns them.
func century(yy, individual int) (int, bool) {
	switch {
	case individual <= 499:
		return 1900 + yy, true
	case individual <= 749 && yy >= 54:
		return 1800 + yy, true
	case yy <= 39:
		return 2000 + yy, true
	case individual >= 900:
		return 1900 + yy, true
	}
	return 0, false
}

// FnrStatus is the checklist's verdict on a registered number.
type FnrStatus string

// Verdicts on a registered fødselsnummer.
const (
	FnrValid       FnrStatus = "valid"
	FnrMissing     FnrStatus = "missing"
	FnrPlaceholder FnrStatus = "placeholder"
	FnrInvalid     FnrStatus = "invalid"
)

// placeholders are personal-number parts registered while the real number is
// unknown ("00100").
var placeholders = []string{"00100", "00000", "99999"}

// Classify gives the checklist's verdict on a registered number and, for an
// invalid one, why; it never returns the number.
func Classify(s string) (FnrStatus, string) {
	s = digitsOnly(s)
	switch {
	case s == "":
		return FnrMissing, "no fødselsnummer registered"
	case len(s) <= 6:
		return FnrPlaceholder, "only a placeholder is registered"
	}
	for _, p := range placeholders {
		if len(s) == 11 && s[6:] == p || s == p {
			return FnrPlaceholder, "registered with the placeholder personal number " + p
		}
	}
	if _, err := ValidateFnr(s); err != nil {
		return FnrInvalid, err.Error()
	}
	return FnrValid, ""
}

// digitsOnly drops spaces, dots and dashes people type inside numbers.
func digitsOnly(s string) string {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		switch c := s[i]; c {
		case ' ', '.', '-', '\t':
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
