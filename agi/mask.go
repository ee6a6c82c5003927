package agi

import "strings"

// MaskNumber hides all but the last three characters of a phone number, so
// logs can tell calls apart without holding personal numbers:
// "90595313" → "*****313". Numbers of three characters or fewer are
// extensions or short codes and stay as they are.
func MaskNumber(n string) string {
	const keep = 3
	r := []rune(n)
	if len(r) <= keep {
		return n
	}
	return strings.Repeat("*", len(r)-keep) + string(r[len(r)-keep:])
}

// maskChannel masks numbers inside a channel name. The resource part of
// "Tech/resource-seq" or "Local/exten@context-seq;n" may be a caller's or an
// outside number ("Local/90595313@out-0000001a;2"); runs of five or more
// digits there are masked, while the technology and Asterisk's sequence
// number stay readable.
func maskChannel(ch string) string {
	tech, rest, ok := strings.Cut(ch, "/")
	if !ok {
		return maskDigitRuns(ch)
	}
	end := strings.LastIndexAny(rest, "-@")
	if end < 0 {
		end = len(rest)
	}
	return tech + "/" + maskDigitRuns(rest[:end]) + rest[end:]
}

// maskDigitRuns applies MaskNumber to every run of five or more digits
// (a leading '+' included).
func maskDigitRuns(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		if s[j] == '+' {
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		switch {
		case k-j >= 5:
			b.WriteString(MaskNumber(s[i:k]))
			i = k
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
