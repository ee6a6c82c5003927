package members

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.Directory = (*Directory)(nil)

// Errors of the Directory.
var (
	ErrUnknownMember = errors.New("no such member")
	ErrUnknownPhone  = errors.New("no member has this phone number")
)

// SeveralMembers is the caller name shown when the calling number belongs to
// more than one member: the agent must ask who is calling.
const SeveralMembers = "Flere medlemmer"

// Directory is the member directory in Redis. Keys (prefix "{ns}:"):
//
//	member:<no>        hash: name, phones, email, address, bladretur, language, fnr_status, fnr_problem, fnr_hash, updated_at, updated_by
//	memberphone:<8dig> hash: member no → name, the index routing reads in one HGETALL
//	members            set of member numbers
type Directory struct {
	c      redis.UniversalClient
	prefix string
	Now    func() time.Time
	// Lookups serves CallerName: the client itself, or its asynchronous
	// autopipeliner, so that StartCallerName sends the lookup without
	// waiting. Set it before the Directory is used. (Serve's routes need
	// neither: their claim script reads the entry, CallerNameKey.)
	Lookups redis.Cmdable
}

// NewDirectory returns the directory under the namespace's hash tag.
func NewDirectory(c redis.UniversalClient, namespace string) *Directory {
	if namespace == "" {
		namespace = "sb"
	}
	return &Directory{c: c, prefix: "{" + namespace + "}:", Now: time.Now, Lookups: c}
}

// Key returns the full key for a suffix such as "member:12345".
func (d *Directory) Key(suffix string) string { return d.prefix + suffix }

// putScript replaces one member and its phone index entries atomically.
// ARGV: prefix, no, name, phones (comma separated), then field/value pairs.
var putScript = redis.NewScript(`
local p, no, name, phones = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. 'member:' .. no
local old = redis.call('HGET', key, 'phones')
if old then
  for ph in string.gmatch(old, '[^,]+') do redis.call('HDEL', p .. 'memberphone:' .. ph, no) end
end
redis.call('DEL', key)
local fields = {'name', name, 'phones', phones}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', key, unpack(fields))
for ph in string.gmatch(phones, '[^,]+') do redis.call('HSET', p .. 'memberphone:' .. ph, no, name) end
redis.call('SADD', p .. 'members', no)
return 1
`)

// deleteScript removes a member and its phone index entries. ARGV: prefix, no.
var deleteScript = redis.NewScript(`
local p, no = ARGV[1], ARGV[2]
local key = p .. 'member:' .. no
local old = redis.call('HGET', key, 'phones')
if old then
  for ph in string.gmatch(old, '[^,]+') do redis.call('HDEL', p .. 'memberphone:' .. ph, no) end
end
redis.call('SREM', p .. 'members', no)
return redis.call('DEL', key)
`)

// importBatch bounds one pipeline of Import.
const importBatch = 500

// Import stores members, replacing records with the same number. With
// replace, members missing from the list are deleted. It returns how many
// were stored and deleted.
func (d *Directory) Import(ctx context.Context, list []Member, replace bool) (stored, deleted int, err error) {
	now := d.Now().UTC().Format(time.RFC3339)
	keep := make(map[string]bool, len(list))
	for start := 0; start < len(list); start += importBatch {
		pipe := d.c.Pipeline()
		for _, m := range list[start:min(start+importBatch, len(list))] {
			keep[m.No] = true
			putScript.Eval(ctx, pipe, []string{d.Key("members")}, d.prefix, m.No, m.Name, strings.Join(m.Phones, ","),
				"email", m.Email, "address", m.Address, "bladretur", boolField(m.Bladretur), "language", m.Language,
				"fnr_status", string(m.FnrStatus), "fnr_problem", m.FnrProblem, "fnr_hash", m.fnrHash,
				"updated_at", now, "updated_by", "import")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return stored, 0, fmt.Errorf("import: %w", err)
		}
		stored = min(start+importBatch, len(list))
	}
	if !replace {
		return stored, 0, nil
	}
	all, err := d.c.SMembers(ctx, d.Key("members")).Result()
	if err != nil {
		return stored, 0, fmt.Errorf("import: %w", err)
	}
	for _, no := range all {
		if keep[no] {
			continue
		}
		if err := deleteScript.Run(ctx, d.c, []string{d.Key("members")}, d.prefix, no).Err(); err != nil {
			return stored, deleted, fmt.Errorf("import: delete: %w", err)
		}
		deleted++
	}
	return stored, deleted, nil
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Get returns the member with number no.
func (d *Directory) Get(ctx context.Context, no string) (Member, error) {
	n, ok := NormalizeMemberNo(no)
	if !ok {
		return Member{}, fmt.Errorf("%w %q: a membership number is digits", ErrUnknownMember, no)
	}
	h, err := d.c.HGetAll(ctx, d.Key("member:"+n)).Result()
	if err != nil {
		return Member{}, fmt.Errorf("get member: %w", err)
	}
	if len(h) == 0 {
		return Member{}, fmt.Errorf("%w %s", ErrUnknownMember, n)
	}
	m := Member{
		No: n, Name: h["name"], Email: h["email"], Address: h["address"], Bladretur: h["bladretur"] == "1",
		Language: h["language"], FnrStatus: FnrStatus(h["fnr_status"]), FnrProblem: h["fnr_problem"], fnrHash: h["fnr_hash"],
	}
	if h["phones"] != "" {
		m.Phones = strings.Split(h["phones"], ",")
	}
	return m, nil
}

// ByPhone returns the numbers of the members who have phone, sorted.
func (d *Directory) ByPhone(ctx context.Context, phone string) ([]string, error) {
	n, err := NormalizePhone(phone)
	if err != nil {
		return nil, err
	}
	nos, err := d.c.HKeys(ctx, d.Key("memberphone:"+n)).Result()
	if err != nil {
		return nil, fmt.Errorf("lookup phone: %w", err)
	}
	sortNumeric(nos)
	return nos, nil
}

// CallerName implements routing.Directory: the member's name when exactly
// one member has the number, SeveralMembers when more do, "" otherwise. It
// is one HGETALL on a hash of a member or two.
func (d *Directory) CallerName(ctx context.Context, number string) (string, error) {
	return d.StartCallerName(ctx, number)()
}

// StartCallerName is CallerName in two halves (routing.DirectoryStarter):
// the lookup is sent now when Lookups is an asynchronous autopipeliner,
// and the function returned waits for its answer.
func (d *Directory) StartCallerName(ctx context.Context, number string) func() (string, error) {
	key, ok := d.CallerNameKey(number)
	if !ok {
		return func() (string, error) { return "", nil }
	}
	cmd := d.Lookups.HGetAll(ctx, key)
	return func() (string, error) {
		h, err := cmd.Result()
		if err != nil {
			return "", fmt.Errorf("caller name: %w", err)
		}
		return d.CallerNameIn(h), nil
	}
}

// CallerNameKey implements routing.KeyedDirectory: the phone index entry
// of number, false for a number that is not a member's registered one
// (withheld, foreign or internal).
func (d *Directory) CallerNameKey(number string) (string, bool) {
	n, err := NormalizePhone(number)
	if err != nil {
		return "", false
	}
	return d.Key("memberphone:" + n), true
}

// CallerNameIn implements routing.KeyedDirectory: the name a phone index
// entry gives (member number → name).
func (d *Directory) CallerNameIn(h map[string]string) string {
	switch len(h) {
	case 0:
		return ""
	case 1:
		for _, name := range h {
			return name
		}
	}
	return SeveralMembers
}

// Count returns how many members the directory holds.
func (d *Directory) Count(ctx context.Context) (int64, error) {
	return d.c.SCard(ctx, d.Key("members")).Result()
}
