package members

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Errors of Messages.
var (
	ErrUnknownDepartment = errors.New("unknown department")
	ErrUnknownMessage    = errors.New("no such message")
	ErrEmptyMessage      = errors.New("message: text is required")
)

// Message is a message to a department about a member (a "beskjed"). It
// must be followed up; the sender hears back only when Confirm was asked.
type Message struct {
	ID      string    `json:"id"` // "<department>/<stream id>"
	Dept    string    `json:"department"`
	Member  string    `json:"member_no"`
	Text    string    `json:"text"`
	From    string    `json:"from"`
	Confirm bool      `json:"confirm"`
	At      time.Time `json:"at"`
	// HeldBy is who has read the message and not yet finished it.
	HeldBy     string `json:"held_by,omitempty"`
	Deliveries int64  `json:"deliveries,omitempty"`
	Done       *Done  `json:"done,omitempty"`
}

// Done records that a message was followed up.
type Done struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// Messages keeps one Redis stream per department with a consumer group of
// the same name. A message read by a consumer stays pending until Done; one
// pending longer than ClaimAfter (its reader died or forgot) is handed to the
// next reader. Keys (prefix "{ns}:"):
//
//	msg:<dept>       stream: member, text, from, confirm, at
//	msgdone:<dept>   hash: stream id → "by\tunix ms\tnote"
//	msgsent:<user>   sorted set of "<dept>/<id>" by time sent, for --mine
type Messages struct {
	c      redis.UniversalClient
	prefix string
	Now    func() time.Time
	// ClaimAfter is how long a read message may stay unfinished before it
	// is redelivered to another reader.
	ClaimAfter time.Duration
}

// NewMessages returns the message store under the namespace's hash tag.
func NewMessages(c redis.UniversalClient, namespace string) *Messages {
	if namespace == "" {
		namespace = "sb"
	}
	return &Messages{c: c, prefix: "{" + namespace + "}:", Now: time.Now, ClaimAfter: 10 * time.Minute}
}

func (s *Messages) stream(dept string) string { return s.prefix + "msg:" + dept }

// ensureGroup creates the department's stream and group; it is idempotent.
func (s *Messages) ensureGroup(ctx context.Context, dept string) error {
	err := s.c.XGroupCreateMkStream(ctx, s.stream(dept), dept, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("message group: %w", err)
	}
	return nil
}

// Send adds m to its department's stream and returns its id.
func (s *Messages) Send(ctx context.Context, m Message) (string, error) {
	if strings.TrimSpace(m.Text) == "" {
		return "", ErrEmptyMessage
	}
	if err := s.ensureGroup(ctx, m.Dept); err != nil {
		return "", err
	}
	now := s.Now()
	sid, err := s.c.XAdd(ctx, &redis.XAddArgs{Stream: s.stream(m.Dept), Values: []any{
		"member", m.Member, "text", m.Text, "from", m.From, "confirm", boolField(m.Confirm),
		"at", strconv.FormatInt(now.UnixMilli(), 10),
	}}).Result()
	if err != nil {
		return "", fmt.Errorf("send message: %w", err)
	}
	id := m.Dept + "/" + sid
	if m.From != "" {
		if err := s.c.ZAdd(ctx, s.prefix+"msgsent:"+m.From, redis.Z{Score: float64(now.UnixMilli()), Member: id}).Err(); err != nil {
			return id, fmt.Errorf("send message: sender index: %w", err)
		}
	}
	return id, nil
}

var idSyntax = regexp.MustCompile(`^([a-z0-9_-]{1,64})/([0-9]{1,20}-[0-9]{1,20})$`)

// SplitID returns the department and stream id of a message id.
func SplitID(id string) (dept, sid string, err error) {
	m := idSyntax.FindStringSubmatch(strings.TrimSpace(id))
	if m == nil {
		return "", "", fmt.Errorf("%w %q: want DEPARTMENT/ID as message list prints it", ErrUnknownMessage, id)
	}
	return m[1], m[2], nil
}

func decode(dept string, x redis.XMessage) Message {
	m := Message{ID: dept + "/" + x.ID, Dept: dept}
	str := func(k string) string { v, _ := x.Values[k].(string); return v }
	m.Member, m.Text, m.From, m.Confirm = str("member"), str("text"), str("from"), str("confirm") == "1"
	if ms, err := strconv.ParseInt(str("at"), 10, 64); err == nil {
		m.At = time.UnixMilli(ms)
	}
	return m
}

func parseDone(v string) *Done {
	by, rest, _ := strings.Cut(v, "\t")
	at, note, _ := strings.Cut(rest, "\t")
	ms, _ := strconv.ParseInt(at, 10, 64)
	return &Done{By: by, At: time.UnixMilli(ms), Note: note}
}
