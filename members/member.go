package members

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Member is a member record as the desk sees it. It holds no fødselsnummer:
// only its keyed hash and the checklist's verdict.
type Member struct {
	No        string    `json:"member_no"`
	Name      string    `json:"name"`
	Phones    []string  `json:"phones"` // normalised, eight digits
	Email     string    `json:"email,omitempty"`
	Address   string    `json:"address,omitempty"`
	Bladretur bool      `json:"bladretur"` // post came back: the address needs checking
	Language  string    `json:"language,omitempty"`
	FnrStatus FnrStatus `json:"fnr_status"`
	// FnrProblem says why FnrStatus is not valid, without the number.
	FnrProblem string `json:"fnr_problem,omitempty"`
	fnrHash    string
}

// Record is one member as an import file has it, fødselsnummer included. It
// exists only between reading the file and Hasher.Member.
type Record struct {
	No        string   `json:"member_no"`
	Name      string   `json:"name"`
	Phones    []string `json:"phones"`
	Email     string   `json:"email"`
	Address   string   `json:"address"`
	Bladretur bool     `json:"bladretur"`
	Language  string   `json:"language"`
	Fnr       string   `json:"fnr"`
}

// ErrNoKey is a hasher without a key.
var ErrNoKey = errors.New("no key for hashing fødselsnummer")

// Hasher turns fødselsnummer into keyed hashes; without the key a stored
// hash cannot be tested against guesses, which an 11-digit number with a
// known date would otherwise make easy.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher with key.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the hex HMAC-SHA256 of the number's digits.
func (h *Hasher) Hash(fnr string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(digitsOnly(fnr)))
	return hex.EncodeToString(m.Sum(nil))
}

// Equal reports whether fnr hashes to stored, in constant time.
func (h *Hasher) Equal(stored, fnr string) bool {
	if stored == "" {
		return false
	}
	return hmac.Equal([]byte(stored), []byte(h.Hash(fnr)))
}

// Member checks r and returns the member to store; the fødselsnummer is
// replaced by its hash and verdict. Errors name the field, never the number.
func (h *Hasher) Member(r Record) (Member, error) {
	m := Member{
		No: strings.TrimSpace(r.No), Name: strings.TrimSpace(r.Name), Email: strings.TrimSpace(r.Email),
		Address: strings.TrimSpace(r.Address), Bladretur: r.Bladretur, Language: strings.ToLower(strings.TrimSpace(r.Language)),
	}
	if !validMemberNo(m.No) {
		return Member{}, fmt.Errorf("member_no %q: want 1 to 20 digits", m.No)
	}
	m.No = strings.TrimLeft(m.No, "0")
	if m.Name == "" {
		return Member{}, errors.New("name: required")
	}
	seen := map[string]bool{}
	for _, p := range r.Phones {
		if strings.TrimSpace(p) == "" {
			continue
		}
		n, err := NormalizePhone(p)
		if err != nil {
			return Member{}, fmt.Errorf("phone %q: %w", p, err)
		}
		if !seen[n] {
			seen[n] = true
			m.Phones = append(m.Phones, n)
		}
	}
	m.FnrStatus, m.FnrProblem = Classify(r.Fnr)
	if m.FnrStatus == FnrValid || m.FnrStatus == FnrInvalid {
		m.fnrHash = h.Hash(r.Fnr)
	}
	return m, nil
}

// validMemberNo accepts membership numbers: digits, not all zeros.
func validMemberNo(s string) bool {
	return s != "" && len(s) <= 20 && allDigits(s) && strings.Trim(s, "0") != ""
}

// NormalizeMemberNo returns the membership number without leading zeros, so
// "0012345" from a KID finds member 12345.
func NormalizeMemberNo(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !validMemberNo(s) {
		return "", false
	}
	return strings.TrimLeft(s, "0"), true
}
