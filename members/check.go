package members

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Check items, in the order the procedure lists them.
const (
	CheckPhone   = "phone"
	CheckEmail   = "email"
	CheckAddress = "address"
	CheckFnr     = "fnr"
)

// Check is one line of the member checklist. Detail tells the agent what to
// do; it shows the postal address only when it needs verifying and never
// the fødselsnummer.
type Check struct {
	Item   string `json:"item"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Checklist is what the person answering checks on a member record.
type Checklist struct {
	Member Member  `json:"member"`
	Caller string  `json:"caller,omitempty"` // the calling number, normalised
	Checks []Check `json:"checks"`
}

// Todo reports how many checks need action.
func (c Checklist) Todo() int {
	n := 0
	for _, ch := range c.Checks {
		if !ch.OK {
			n++
		}
	}
	return n
}

// ErrSeveralMembers is a phone number registered on more than one member.
var ErrSeveralMembers = errors.New("several members have this phone number")

// Lookup finds the member for the desk: query is a membership number or a
// phone number (8 digits, +47…, 0047…). A phone number is also taken as the
// calling number unless caller is given.
func (d *Directory) Lookup(ctx context.Context, query, caller string) (Checklist, error) {
	q := strings.TrimSpace(query)
	phone, perr := NormalizePhone(q)
	if perr == nil {
		nos, err := d.ByPhone(ctx, phone)
		if err != nil {
			return Checklist{}, err
		}
		switch len(nos) {
		case 0:
			if _, ok := NormalizeMemberNo(q); !ok {
				return Checklist{}, fmt.Errorf("%w: %s", ErrUnknownPhone, phone)
			}
			// Plain digits: perhaps a membership number; Get decides.
		case 1:
			q = nos[0]
			if caller == "" {
				caller = phone
			}
		default:
			return Checklist{}, fmt.Errorf("%w: %s is registered on members %s; check by membership number", ErrSeveralMembers, phone, formatNos(nos))
		}
	}
	m, err := d.Get(ctx, q)
	if errors.Is(err, ErrUnknownMember) && perr == nil {
		return Checklist{}, fmt.Errorf("%w: neither a phone number nor a membership number of a member: %s", ErrUnknownMember, q)
	}
	if err != nil {
		return Checklist{}, err
	}
	cl := Checklist{Member: m}
	if caller != "" {
		n, err := NormalizePhone(caller)
		if err != nil {
			return Checklist{}, fmt.Errorf("calling number %q: %w", caller, err)
		}
		cl.Caller = n
	}
	shared := 0
	if cl.Caller != "" {
		others, err := d.ByPhone(ctx, cl.Caller)
		if err != nil {
			return Checklist{}, err
		}
		shared = len(others)
		if slices.Contains(others, m.No) {
			shared--
		}
	}
	cl.Checks = Checks(m, cl.Caller, shared)
	return cl, nil
}

// Checks runs the checklist on m. caller is the normalised calling number
// ("" when unknown); shared counts the other members registered with it.
func Checks(m Member, caller string, shared int) []Check {
	var out []Check
	phone := Check{Item: CheckPhone, OK: true}
	switch {
	case len(m.Phones) == 0:
		phone.OK, phone.Detail = false, "no phone number registered: ask for it and add it"
		if caller != "" {
			phone.Detail += " (calling from " + caller + ")"
		}
	case caller == "":
		phone.Detail = "registered " + strings.Join(m.Phones, ", ") + "; compare with the number the member calls from"
	case !slices.Contains(m.Phones, caller):
		phone.OK, phone.Detail = false, "calling from "+caller+", registered "+strings.Join(m.Phones, ", ")+": ask whether the registered number should change"
	case shared > 0:
		phone.OK, phone.Detail = false, fmt.Sprintf("%s is also registered on %d other member(s): make sure who is calling", caller, shared)
	default:
		phone.Detail = "calling from the registered number"
	}
	out = append(out, phone)
	if m.Email == "" {
		out = append(out, Check{CheckEmail, false, "no e-mail address: ask for it and add it (member update " + m.No + " --email …)"})
	} else {
		out = append(out, Check{CheckEmail, true, "registered"})
	}
	switch {
	case m.Bladretur:
		addr := m.Address
		if addr == "" {
			addr = "none registered"
		}
		out = append(out, Check{CheckAddress, false, "bladretur: post came back; verify the address (" + addr + ") and enter the correct one with member update " + m.No + " --address …"})
	case m.Address == "":
		out = append(out, Check{CheckAddress, false, "no postal address registered: ask for it"})
	default:
		out = append(out, Check{CheckAddress, true, "no bladretur"})
	}
	switch m.FnrStatus {
	case FnrValid:
		out = append(out, Check{CheckFnr, true, "registered and valid"})
	case FnrPlaceholder, FnrMissing, FnrInvalid, "":
		detail := m.FnrProblem
		if detail == "" {
			detail = "no fødselsnummer registered"
		}
		out = append(out, Check{CheckFnr, false, detail + ": ask for the fødselsnummer and correct it in the member register"})
	}
	return out
}
