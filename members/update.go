package members

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Contact is a change to a member's contact details; nil leaves a field.
type Contact struct {
	Address *string
	Email   *string
}

// updateScript sets address and/or e-mail; a new address clears bladretur.
// ARGV: prefix, no, at, by, set_address (0/1), address, set_email (0/1), email.
// Returns -1 for an unknown member, else the number of fields changed.
var updateScript = redis.NewScript(`
local key = ARGV[1] .. 'member:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return -1 end
local changed = 0
if ARGV[5] == '1' then
  local cur = redis.call('HMGET', key, 'address', 'bladretur')
  if cur[1] ~= ARGV[6] or cur[2] == '1' then
    redis.call('HSET', key, 'address', ARGV[6], 'bladretur', '0')
    changed = changed + 1
  end
end
if ARGV[7] == '1' and redis.call('HGET', key, 'email') ~= ARGV[8] then
  redis.call('HSET', key, 'email', ARGV[8])
  changed = changed + 1
end
if changed > 0 then redis.call('HSET', key, 'updated_at', ARGV[3], 'updated_by', ARGV[4]) end
return changed
`)

// UpdateContact changes a member's address and e-mail. Entering an address
// clears bladretur: the new address is the verified one. It reports whether
// anything changed.
func (d *Directory) UpdateContact(ctx context.Context, no string, c Contact, by string) (bool, error) {
	n, ok := NormalizeMemberNo(no)
	if !ok {
		return false, fmt.Errorf("%w %q: a membership number is digits", ErrUnknownMember, no)
	}
	args := []any{d.prefix, n, d.Now().UTC().Format(time.RFC3339), by, "0", "", "0", ""}
	if c.Address != nil {
		args[4], args[5] = "1", strings.TrimSpace(*c.Address)
	}
	if c.Email != nil {
		args[6], args[7] = "1", strings.TrimSpace(*c.Email)
	}
	res, err := updateScript.Run(ctx, d.c, []string{d.Key("members")}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("update member: %w", err)
	}
	if res < 0 {
		return false, fmt.Errorf("%w %s", ErrUnknownMember, n)
	}
	return res > 0, nil
}

// Verification is the answer to "is this the member's fødselsnummer?". It
// never holds the number.
type Verification struct {
	Match bool `json:"match"`
	// Given is the problem with the number the caller read out ("" when it
	// is a valid number): a wrong check digit often means a misheard digit.
	Given string `json:"given_problem,omitempty"`
	// Stored is the verdict on the registered number.
	Stored FnrStatus `json:"stored_status"`
}

// Verify compares fnr with the member's registered number by its keyed hash.
func (d *Directory) Verify(ctx context.Context, h *Hasher, no, fnr string) (Member, Verification, error) {
	m, err := d.Get(ctx, no)
	if err != nil {
		return Member{}, Verification{}, err
	}
	v := Verification{Stored: m.FnrStatus, Match: h.Equal(m.fnrHash, fnr)}
	if _, err := ValidateFnr(digitsOnly(fnr)); err != nil {
		v.Given = err.Error()
	}
	return m, v, nil
}

// sortNumeric orders membership numbers as numbers.
func sortNumeric(nos []string) {
	slices.SortFunc(nos, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}

// formatNos joins membership numbers for messages.
func formatNos(nos []string) string {
	if len(nos) > 5 {
		return strings.Join(nos[:5], ", ") + " and " + strconv.Itoa(len(nos)-5) + " more"
	}
	return strings.Join(nos, ", ")
}
