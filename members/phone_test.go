package members

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"90595313", "90595313"},
		{"905 95 313", "90595313"},
		{"+47 905 95 313", "90595313"},
		{"+4790595313", "90595313"},
		{"004790595313", "90595313"},
		{"0047 905 95 313", "90595313"},
		{"4790595313", "90595313"},
		{"90595313-111", "90595313"}, // the switchboard's loop tag
		{"9059531", ""},
		{"+46 905 95 313", ""},
		{"anonymous", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizePhone(tt.in)
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRedactDigits(t *testing.T) {
	got := RedactDigits(`parse error on line 3 near "01810000186,x" 1234567890`)
	if strings.Contains(got, "01810000186") || !strings.Contains(got, "1234567890") || !strings.Contains(got, "line 3") {
		t.Fatalf("RedactDigits = %q", got)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+47 905 95 313", "004790595313", "90595313-111", "-", "+47"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := NormalizePhone(s); err == nil && (len(n) != 8 || !allDigits(n)) {
			t.Fatalf("NormalizePhone(%q) = %q", s, n)
		}
	})
}
