package members

import (
	"errors"
	"strings"
)

// ErrPhone is a number that is not a Norwegian eight-digit number.
var ErrPhone = errors.New("not a Norwegian 8-digit phone number")

// NormalizePhone returns the eight national digits of a Norwegian number
// written as "905 95 313", "+47 90595313", "004790595313" or "4790595313".
// A number the switchboard tagged ("90595313-111") loses its tag.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '-'); i > 0 && len(s)-i == 4 && allDigits(s[i+1:]) {
		s = s[:i] // the loop tag, not part of the number
	}
	s = strings.NewReplacer(" ", "", "\u00a0", "", "-", "", ".", "", "(", "", ")", "").Replace(s)
	switch {
	case strings.HasPrefix(s, "+47"):
		s = s[3:]
	case strings.HasPrefix(s, "0047"):
		s = s[4:]
	case len(s) == 10 && strings.HasPrefix(s, "47"):
		s = s[2:]
	}
	if len(s) != 8 || !allDigits(s) {
		return "", ErrPhone
	}
	return s, nil
}
