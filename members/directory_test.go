package members

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/internal/redistest"
)

var testKey = []byte("test-key-0123456789abcdef")

// demoDirectory imports the shipped demo file into a fresh Redis.
func demoDirectory(t *testing.T) (*Directory, *Hasher, []Record) {
	t.Helper()
	f, err := os.Open("../examples/members-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := NewHasher(testKey)
	list := make([]Member, len(recs))
	for i, r := range recs {
		if list[i], err = h.Member(r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	d := NewDirectory(redistest.Start(t).Client(t), "t")
	if n, _, err := d.Import(context.Background(), list, true); err != nil || n != len(list) {
		t.Fatalf("import %d: %v", n, err)
	}
	return d, h, recs
}

func TestDemoFileIsTheGeneratedOne(t *testing.T) {
	var b strings.Builder
	if err := WriteCSV(&b, Demo(40)); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../examples/members-demo.csv")
	if err != nil || string(file) != b.String() {
		t.Fatal("examples/members-demo.csv is stale: go run ./scripts/membersdemo > examples/members-demo.csv")
	}
}

func TestCallerName(t *testing.T) {
	d, _, _ := demoDirectory(t)
	ctx := context.Background()
	tests := []struct{ name, number, want string }{
		{"one member", "+47 0100 0001", "Kari Nordmann"},
		{"switchboard-tagged number", "01000001-111", "Kari Nordmann"},
		{"number shared by two members", "01000007", SeveralMembers},
		{"nobody's number", "01009999", ""},
		{"foreign number", "+4612345678", ""},
		{"withheld", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := d.CallerName(ctx, tt.number); err != nil || got != tt.want {
				t.Fatalf("CallerName(%q) = %q, %v; want %q", tt.number, got, err, tt.want)
			}
		})
	}
	// serve looks names up through the asynchronous autopipeliner: the
	// lookup is sent when started and answered when asked for.
	c, ok := d.c.(*redis.Client)
	if !ok {
		t.Fatalf("directory client is %T, want *redis.Client", d.c)
	}
	ap, err := c.AsyncAutoPipeline()
	if err != nil {
		t.Fatal(err)
	}
	defer ap.Close()
	d.Lookups = ap
	started := make([]func() (string, error), len(tests))
	for i, tt := range tests {
		started[i] = d.StartCallerName(ctx, tt.number)
	}
	for i, tt := range tests {
		if got, err := started[i](); err != nil || got != tt.want {
			t.Errorf("started %s (%q) = %q, %v; want %q", tt.name, tt.number, got, err, tt.want)
		}
	}
}

func checkOf(cl Checklist, item string) Check {
	for _, c := range cl.Checks {
		if c.Item == item {
			return c
		}
	}
	return Check{}
}

func TestChecklistOnDemoMembers(t *testing.T) {
	d, _, _ := demoDirectory(t)
	ctx := context.Background()
	tests := []struct {
		name, query, caller string
		flagged             string // the item that needs action, "" for none
		detail              string
	}{
		{"everything in order", "01000001", "", "", ""},
		{"e-mail missing", "1000002", "", CheckEmail, "no e-mail"},
		{"bladretur shows the address to verify", "1000003", "", CheckAddress, "Prøvegata"},
		{"placeholder fødselsnummer", "1000004", "", CheckFnr, "placeholder personal number 00100"},
		{"fødselsnummer fails its check digits", "1000005", "", CheckFnr, "check digit"},
		{"calling from another number", "1000001", "+47 0100 0042", CheckPhone, "calling from 01000042"},
		{"number shared in the household", "1000006", "01000007", CheckPhone, "also registered on 1 other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, err := d.Lookup(ctx, tt.query, tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cl.Checks {
				if c.OK == (c.Item == tt.flagged) {
					t.Errorf("%s: ok=%v (%s)", c.Item, c.OK, c.Detail)
				}
			}
			if tt.flagged != "" && !strings.Contains(checkOf(cl, tt.flagged).Detail, tt.detail) {
				t.Errorf("%s detail %q lacks %q", tt.flagged, checkOf(cl, tt.flagged).Detail, tt.detail)
			}
			if tt.flagged != CheckAddress && strings.Contains(checkOf(cl, CheckAddress).Detail, "Prøvegata") {
				t.Error("address shown although bladretur is not set")
			}
		})
	}
	if _, err := d.Lookup(ctx, "01000007", ""); !errors.Is(err, ErrSeveralMembers) {
		t.Errorf("shared number: %v, want ErrSeveralMembers", err)
	}
	if _, err := d.Lookup(ctx, "+47 0100 9999", ""); !errors.Is(err, ErrUnknownPhone) {
		t.Errorf("unknown phone: %v", err)
	}
	if cl, err := d.Lookup(ctx, "1000008", ""); err != nil || checkOf(cl, CheckPhone).OK || checkOf(cl, CheckFnr).OK {
		t.Errorf("member without phone and fnr: %+v %v", cl, err)
	}
}

func TestUpdateAddressClearsBladretur(t *testing.T) {
	d, _, _ := demoDirectory(t)
	ctx := context.Background()
	addr := "Prøvegata 9, 9999 Eksempelby"
	if changed, err := d.UpdateContact(ctx, "1000003", Contact{Address: &addr}, "kari"); err != nil || !changed {
		t.Fatalf("update: %v %v", changed, err)
	}
	m, _ := d.Get(ctx, "1000003")
	if m.Bladretur || m.Address != addr {
		t.Fatalf("after update: %+v", m)
	}
	if changed, _ := d.UpdateContact(ctx, "1000003", Contact{Address: &addr}, "kari"); changed {
		t.Fatal("same address again reported a change")
	}
	if _, err := d.UpdateContact(ctx, "4242", Contact{Address: &addr}, "kari"); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("unknown member: %v", err)
	}
}

func TestVerifyAndNoFnrInRedis(t *testing.T) {
	d, h, recs := demoDirectory(t)
	ctx := context.Background()
	_, v, err := d.Verify(ctx, h, "1000001", recs[0].Fnr)
	if err != nil || !v.Match || v.Given != "" {
		t.Fatalf("own number: %+v %v", v, err)
	}
	if _, v, _ := d.Verify(ctx, h, "1000001", recs[8].Fnr); v.Match {
		t.Fatal("another member's number matched")
	}
	if _, v, _ := d.Verify(ctx, h, "1000001", breakCheckDigit(recs[0].Fnr)); v.Match || v.Given == "" {
		t.Fatalf("misheard digit: %+v", v)
	}
	if _, v, _ := d.Verify(ctx, h, "1000004", recs[3].Fnr); v.Match || v.Stored != FnrPlaceholder {
		t.Fatalf("placeholder: %+v", v)
	}
	other, _ := NewHasher([]byte("another-key-0123456789"))
	if _, v, _ := d.Verify(ctx, other, "1000001", recs[0].Fnr); v.Match {
		t.Fatal("matched under another key")
	}
	// Nothing in Redis holds a fødselsnummer.
	keys, _ := d.c.Keys(ctx, "*").Result()
	for _, k := range keys {
		vals, _ := d.c.HGetAll(ctx, k).Result()
		for f, v := range vals {
			for _, r := range recs {
				if r.Fnr != "" && (strings.Contains(v, r.Fnr) || strings.Contains(f, r.Fnr)) {
					t.Fatalf("key %s field %s holds a fødselsnummer", k, f)
				}
			}
		}
	}
}

func TestReadRecordsJSONAndErrors(t *testing.T) {
	recs, err := ReadRecords(strings.NewReader(`[{"member_no":"7","name":"Ola Nordmann","phones":["+47 0100 0001"],"bladretur":true}]`))
	if err != nil || len(recs) != 1 || !recs[0].Bladretur || recs[0].Phones[0] != "+47 0100 0001" {
		t.Fatalf("json: %+v %v", recs, err)
	}
	_, err = ReadRecords(strings.NewReader("member_no;name;fødsel\n1;Ola;01810000186\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown column "fødsel"`) {
		t.Fatalf("unknown column: %v", err)
	}
	_, err = ReadRecords(strings.NewReader("member_no,name,fnr\n1,\"Ola,01810000186\n"))
	if err == nil || strings.Contains(err.Error(), "01810000186") {
		t.Fatalf("broken csv error must not quote the number: %v", err)
	}
	h, _ := NewHasher(testKey)
	if _, err := h.Member(Record{No: "1", Name: "Ola", Phones: []string{"123"}, Fnr: "01810000186"}); err == nil || strings.Contains(err.Error(), "01810000186") {
		t.Fatalf("bad phone: %v", err)
	}
}
