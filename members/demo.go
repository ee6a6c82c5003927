package members

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// DemoPhonePrefix starts every demo phone number. Norwegian subscriber
// numbers do not start with 0, so a demo number cannot reach a real person.
const DemoPhonePrefix = "0100"

var (
	demoFirst = []string{"Kari", "Ola", "Ingrid", "Per", "Sigrid", "Nils", "Astrid", "Lars", "Solveig", "Knut", "Ragnhild", "Odd"}
	demoLast  = []string{"Nordmann", "Prøvesen", "Eksempelsen", "Testrud", "Demoli", "Fiktivsen", "Prøvestad", "Oppdiktet"}
)

// Demo returns n fictitious members (at least the eight that show every
// checklist flag). Fødselsnummer are synthetic test numbers (month + 80),
// which are never issued to people; phone numbers start with
// DemoPhonePrefix; e-mail addresses are at example.com. The same n gives the
// same members.
func Demo(n int) []Record {
	r := rand.New(rand.NewPCG(7, 2026))
	n = max(n, 8)
	out := make([]Record, 0, n)
	for i := range n {
		first, last := demoFirst[i%len(demoFirst)], demoLast[(i/len(demoFirst)+i)%len(demoLast)]
		rec := Record{
			No:      strconv.Itoa(1000001 + i),
			Name:    first + " " + last,
			Phones:  []string{fmt.Sprintf("%s%04d", DemoPhonePrefix, 1+i)},
			Email:   strings.ToLower(asciiName(first)+"."+asciiName(last)) + "@example.com",
			Address: fmt.Sprintf("Prøvegata %d, 9999 Eksempelby", 1+r.IntN(120)),
			Fnr:     SyntheticFnr(r),
		}
		switch i {
		case 0: // everything in order
		case 1:
			rec.Email = ""
		case 2:
			rec.Bladretur = true
		case 3:
			rec.Fnr = rec.Fnr[:6] + "00100" // the placeholder personal number
		case 4:
			rec.Fnr = breakCheckDigit(rec.Fnr)
		case 5: // shares member 6's phone (a household)
			rec.Phones = []string{fmt.Sprintf("%s%04d", DemoPhonePrefix, 1+6)}
		case 6:
			rec.Phones = append(rec.Phones, fmt.Sprintf("+47 %s %04d", DemoPhonePrefix, 9000+i))
			rec.Language = "en"
		case 7:
			rec.Phones, rec.Fnr = nil, ""
		}
		out = append(out, rec)
	}
	return out
}

// SyntheticFnr returns a random synthetic test number (month + 80) with valid
// check digits under the rule for numbers issued so far.
func SyntheticFnr(r *rand.Rand) string {
	for {
		yy := r.IntN(60) + 40
		body := fmt.Sprintf("%02d%02d%02d%03d", 1+r.IntN(28), 81+r.IntN(12), yy, r.IntN(500))
		if k1, ok := checkDigit(body, k1Weights[:9]); ok {
			if k2, ok := checkDigit(body+k1, k2Weights[:10]); ok {
				return body + k1 + k2
			}
		}
	}
}

// checkDigit returns the classic mod-11 check digit for body, false when it
// would be 10.
func checkDigit(body string, weights []int) (string, bool) {
	sum := 0
	for i, w := range weights {
		sum += w * int(body[i]-'0')
	}
	switch c := (11 - sum%11) % 11; c {
	case 10:
		return "", false
	default:
		return strconv.Itoa(c), true
	}
}

func breakCheckDigit(fnr string) string {
	d := (int(fnr[10]-'0') + 1) % 10
	return fnr[:10] + strconv.Itoa(d)
}

func asciiName(s string) string {
	return strings.NewReplacer("ø", "o", "æ", "ae", "å", "a", "Ø", "O", "Æ", "Ae", "Å", "A").Replace(s)
}

// WriteCSV writes records in the import format.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	for _, r := range recs {
		_ = cw.Write([]string{r.No, r.Name, strings.Join(r.Phones, ";"), r.Email, r.Address,
			map[bool]string{true: "ja", false: "nei"}[r.Bladretur], r.Language, r.Fnr})
	}
	cw.Flush()
	return cw.Error()
}
