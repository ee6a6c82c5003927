package members

import (
	"errors"
	"testing"
)

func TestValidateFnr(t *testing.T) {
	tests := []struct {
		name    string
		fnr     string
		kind    FnrKind
		newRule bool
		err     error
	}{
		{"valid ordinary number", "01010000110", FnrOrdinary, false, nil},
		{"valid when the first check digit is 11 turned 0", "01010000706", FnrOrdinary, false, nil},
		{"valid D-number: day plus 40", "41010000023", FnrD, false, nil},
		{"valid H-number: month plus 40", "01410000012", FnrH, false, nil},
		{"valid synthetic test number: month plus 80", "01810000186", FnrSynthetic, false, nil},
		{"valid 29 February in a leap year", "29020050088", FnrOrdinary, false, nil},
		{"valid under the 2032 rule: sum with k1 is 2 mod 11", "02023200182", FnrOrdinary, true, nil},
		{"wrong first check digit (sum 5 mod 11)", "01010000610", "", false, ErrFnrCheckDigit1},
		{"wrong second check digit", "01010000111", "", false, ErrFnrCheckDigit2},
		{"wrong first check digit in a D-number", "41010000073", "", false, ErrFnrCheckDigit1},
		{"no such date: 31 April", "31040000000", "", false, ErrFnrDate},
		{"no such month", "01130000000", "", false, ErrFnrDate},
		{"day and month both shifted", "41410000000", "", false, ErrFnrDate},
		{"too short", "0101000011", "", false, ErrFnrFormat},
		{"too long", "010100001100", "", false, ErrFnrFormat},
		{"letters", "0101000011a", "", false, ErrFnrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ValidateFnr(tt.fnr)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err == nil && (f.Kind != tt.kind || f.NewK1Rule != tt.newRule) {
				t.Fatalf("got %+v, want kind %s, new rule %v", f, tt.kind, tt.newRule)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		fnr  string
		want FnrStatus
	}{
		{"valid", "018100 00186", FnrValid},
		{"missing", "", FnrMissing},
		{"placeholder personal number", "01810000100", FnrPlaceholder},
		{"placeholder alone", "00100", FnrPlaceholder},
		{"birth date only", "018100", FnrPlaceholder},
		{"fails its check digits", "01810000187", FnrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := Classify(tt.fnr); got != tt.want {
				t.Fatalf("Classify = %s (%s), want %s", got, why, tt.want)
			}
		})
	}
}

func TestSyntheticFnrAreValid(t *testing.T) {
	for _, r := range Demo(200) {
		if r.Fnr == "" {
			continue
		}
		if st, _ := Classify(r.Fnr); st != FnrValid {
			continue // the demo's deliberate placeholder and broken numbers
		}
		f, err := ValidateFnr(r.Fnr)
		if err != nil || f.Kind != FnrSynthetic {
			t.Fatalf("demo member %s: %v %+v; every demo number must be synthetic", r.No, err, f)
		}
	}
}

func FuzzValidateFnr(f *testing.F) {
	for _, s := range []string{"01010000110", "41410000000", "29020050088", "", "0000000000x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fnr, err := ValidateFnr(s); err == nil && fnr.Kind == "" {
			t.Fatal("valid number without a kind")
		}
		_, _ = Classify(s)
	})
}
