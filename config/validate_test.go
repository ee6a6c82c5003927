package config

import (
	"os"
	"strings"
	"testing"
)

func TestParseReportsAgentAndRoleProblems(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "agent without name or extension",
			edit: []string{`{id: kari, name: Kari, roles: [ds], extension: "2102"}`, `{id: kari, roles: [ds]}`},
			want: []string{
				`t.yaml:8: agents[1].name: required`,
				`t.yaml:8: agents[1].extension: required`,
			},
		},
		{
			name: "agent id with capitals suggests a valid one",
			edit: []string{`id: kari, name: Kari`, `id: Kari Nordmann, name: Kari`},
			want: []string{`t.yaml:8: agents[1].id: invalid id "Kari Nordmann": use lower-case letters a-z, digits, "-" and "_", e.g. "kari-nordmann"`},
		},
		{
			name: "agent id of punctuation suggests one from the name",
			edit: []string{`id: kari, name: Kari`, `id: "?", name: Kari`},
			want: []string{`t.yaml:8: agents[1].id: invalid id "?": use lower-case letters a-z, digits, "-" and "_", e.g. "kari"`},
		},
		{
			name: "agent id with ø suggests a transliteration",
			edit: []string{`id: kari, name: Kari`, `id: bjørn, name: Bjørn`},
			want: []string{`t.yaml:8: agents[1].id: invalid id "bjørn": use lower-case letters a-z, digits, "-" and "_", e.g. "bjorn"`},
		},
		{
			name: "duplicate agent id",
			edit: []string{`id: kari, name: Kari`, `id: jenny, name: Kari`},
			want: []string{`t.yaml:8: agents[1].id: id "jenny" is already used by agents[0] (line 7)`},
		},
		{
			name: "duplicate name ignoring case",
			edit: []string{`name: Kari`, `name: JENNY`},
			want: []string{`t.yaml:8: agents[1].name: name "JENNY" is already used by agents[0] (line 7)`},
		},
		{
			name: "name that is another agent's id",
			edit: []string{`{id: liv, name: Liv`, `{id: liv, name: Olivia`, `name: Kari`, `name: Liv`},
			want: []string{`t.yaml:9: agents[2].id: "liv" also names agents[1]; loop members could not tell them apart`},
		},
		{
			name: "duplicate extension",
			edit: []string{`extension: "2102"`, `extension: "2101"`},
			want: []string{`t.yaml:8: agents[1].extension: extension "2101" is already used by agents[0] (line 7)`},
		},
		{
			name: "extension with letters",
			edit: []string{`extension: "2102"`, `extension: "21O2"`},
			want: []string{`t.yaml:8: agents[1].extension: invalid extension "21O2": digits only`},
		},
		{
			name: "undeclared role on an agent suggests a declared one",
			edit: []string{`roles: [ds], extension: "2102"`, `roles: [dss], extension: "2102"`},
			want: []string{`t.yaml:8: agents[1].roles[0]: unknown role "dss" (did you mean "ds"?); declare it under roles`},
		},
		{
			name: "role listed twice on an agent",
			edit: []string{`roles: [ds], extension: "2102"`, `roles: [ds, ds], extension: "2102"`},
			want: []string{`t.yaml:8: agents[1].roles[1]: role "ds" is listed twice`},
		},
		{
			name: "duplicate role id and role without name",
			edit: []string{`{id: sentralbord, name: Sentralbord}`, "{id: sentralbord, name: Sentralbord}\n  - {id: ds}"},
			want: []string{
				`t.yaml:6: roles[2].name: required`,
				`t.yaml:6: roles[2].id: id "ds" is already used by roles[0] (line 4)`,
			},
		},
		{
			name: "asterisk dial string with a second target",
			edit: []string{`extension: "2102"}`, `extension: "2102", asterisk: "PJSIP/2102&PJSIP/2103"}`},
			want: []string{`t.yaml:8: agents[1].asterisk: invalid dial string "PJSIP/2102&PJSIP/2103": want one TECH/resource such as "PJSIP/2101", without spaces, quotes, "&", "," or "|"`},
		},
		{
			name: "freeswitch dial string without endpoint type",
			edit: []string{`extension: "2102"}`, `extension: "2102", freeswitch: "2102"}`},
			want: []string{`t.yaml:8: agents[1].freeswitch: invalid dial string "2102": want an endpoint such as "user/2101", without spaces or quotes`},
		},
		{
			name: "no agents at all",
			doc:  "switchboard: sb\nenglish_key: \"9\"\nloops: [{id: sb, name: S, tag: \"999\"}]\n",
			want: []string{
				`t.yaml:1: agents: no agents; list the staff who answer calls`,
				`t.yaml:3: loops[0]: no members: list agents under members or roles under roles`,
			},
		},
	})
}

func TestParseReportsLoopProblems(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "unknown member suggests the closest name",
			edit: []string{"members: [Jenny]", "members: [Jeny]"},
			want: []string{`t.yaml:16: loops[0].members[0]: unknown agent "Jeny" (did you mean "Jenny"?)`},
		},
		{
			name: "unknown member far from any name gets no suggestion",
			edit: []string{"members: [Jenny]", "members: [Jenny, Gunnhild]"},
			want: []string{`t.yaml:16: loops[0].members[1]: unknown agent "Gunnhild"`},
		},
		{
			name: "member listed twice by name and by id",
			edit: []string{"members: [Jenny]", "members: [Jenny, jenny]"},
			want: []string{`t.yaml:16: loops[0].members[1]: "jenny" is already listed as members[0] (line 16)`},
		},
		{
			name: "member that is a list is reported once",
			edit: []string{"members: [Jenny]", "members: [Jenny, [Kari]]"},
			want: []string{`t.yaml:16: loops[0].members[1]: expected a single value, found a list`},
		},
		{
			name: "undeclared role on a loop",
			edit: []string{"    roles: [ds]\n", "    roles: [ds, saksbehandler]\n"},
			want: []string{`t.yaml:17: loops[0].roles[1]: unknown role "saksbehandler"; declare it under roles`},
		},
		{
			name: "loop with neither members nor roles",
			edit: []string{"    roles: [sentralbord]\n", ""},
			want: []string{`t.yaml:18: loops[1]: no members: list agents under members or roles under roles`},
		},
		{
			name: "loop whose role nobody holds",
			edit: []string{"roles: [sentralbord], extension", "roles: [ds], extension"},
			want: []string{`t.yaml:18: loops[1]: no members: no agent holds role "sentralbord"`},
		},
		{
			name: "loop without id, name or tag",
			edit: []string{"  - id: sb\n    name: Sentralbord\n    tag: \"999\"\n", "  - digit: \"2\"\n"},
			want: []string{
				`t.yaml:1: switchboard: unknown loop "sb"`,
				`t.yaml:15: loops[0].overflow: unknown loop "sb"`,
				`t.yaml:18: loops[1].id: required`,
				`t.yaml:18: loops[1].name: required`,
				`t.yaml:18: loops[1].tag: required`,
			},
		},
		{
			name: "duplicate loop id",
			edit: []string{"  - id: sb\n", "  - id: \"1\"\n"},
			want: []string{
				`t.yaml:1: switchboard: unknown loop "sb"`,
				`t.yaml:15: loops[0].overflow: unknown loop "sb"`,
				`t.yaml:18: loops[1].id: id "1" is already used by loops[0] (line 11)`,
			},
		},
		{
			name: "digit of two characters",
			edit: []string{`digit: "1"`, `digit: "11"`},
			want: []string{`t.yaml:12: loops[0].digit: invalid digit "11": one of 0-9`},
		},
		{
			name: "digit used twice",
			edit: []string{"    name: Sentralbord\n", "    name: Sentralbord\n    digit: 1\n"},
			want: []string{`t.yaml:20: loops[1].digit: digit "1" is already used by loops[0] (line 12)`},
		},
		{
			name: "digit equal to the english key",
			edit: []string{`digit: "1"`, `digit: "9"`},
			want: []string{`t.yaml:12: loops[0].digit: digit "9" is the english_key (line 2)`},
		},
		{
			name: "english key that is not a key",
			edit: []string{`english_key: "9"`, `english_key: "en"`},
			want: []string{`t.yaml:2: english_key: invalid key "en": one of 0-9, * or #`},
		},
		{
			name: "tag of two digits",
			edit: []string{`tag: "111"`, `tag: "11"`},
			want: []string{`t.yaml:14: loops[0].tag: invalid tag "11": exactly three digits, shown to the agent after the caller's number (90595313-111)`},
		},
		{
			name: "tag used twice",
			edit: []string{`tag: "999"`, `tag: "111"`},
			want: []string{`t.yaml:20: loops[1].tag: tag "111" is already used by loops[0] (line 14)`},
		},
		{
			name: "duration without unit",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    ring_timeout: 20\n"},
			want: []string{`t.yaml:15: loops[0].ring_timeout: invalid duration "20": write a number and a unit, e.g. "20s" or "3m"`},
		},
		{
			name: "durations out of range",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    ring_timeout: 2s\n    wrap_up: -1s\n    max_wait: 2h\n"},
			want: []string{
				`t.yaml:15: loops[0].ring_timeout: 2s is outside 5s–5m`,
				`t.yaml:16: loops[0].wrap_up: -1s is outside 0s–10m`,
				`t.yaml:17: loops[0].max_wait: 2h is outside 10s–1h`,
			},
		},
		{
			name: "fallback with an empty target",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    fallback: PJSIP/2101&&PJSIP/2102\n"},
			want: []string{`t.yaml:15: loops[0].fallback: invalid target "" in fallback: want one TECH/resource such as "PJSIP/2101", without spaces, quotes, "&", "," or "|"; join targets with "&"`},
		},
		{
			name: "overflow to itself",
			edit: []string{"overflow: sb", "overflow: \"1\""},
			want: []string{`t.yaml:15: loops[0].overflow: a loop cannot overflow to itself`},
		},
		{
			name: "overflow to an unknown loop suggests one",
			edit: []string{"overflow: sb", "overflow: sbb"},
			want: []string{`t.yaml:15: loops[0].overflow: unknown loop "sbb" (did you mean "sb"?)`},
		},
		{
			name: "overflow circle is reported once",
			edit: []string{"    roles: [sentralbord]\n", "    roles: [sentralbord]\n    overflow: \"1\"\n"},
			want: []string{`t.yaml:15: loops[0].overflow: overflow goes round in a circle: 1 → sb → 1`},
		},
		{
			name: "switchboard naming no loop",
			edit: []string{"switchboard: sb", "switchboard: sentralbord"},
			want: []string{`t.yaml:1: switchboard: unknown loop "sentralbord"`},
		},
		{
			name: "no loops at all",
			doc:  "switchboard: sb\nenglish_key: \"9\"\nagents: [{id: a, name: A, extension: \"1\"}]\n",
			want: []string{
				`t.yaml:1: loops: no loops; define at least the switchboard loop`,
				`t.yaml:1: switchboard: unknown loop "sb"`,
			},
		},
		{
			name: "every problem is reported at once, in line order",
			edit: []string{
				"switchboard: sb", "switchboard: sbx",
				`name: Kari`, `name: JENNY`,
				"members: [Jenny]", "members: [Jeny]",
				`tag: "999"`, `tag: "99"`,
			},
			want: []string{
				`t.yaml:1: switchboard: unknown loop "sbx" (did you mean "sb"?)`,
				`t.yaml:8: agents[1].name: name "JENNY" is already used by agents[0] (line 7)`,
				`t.yaml:16: loops[0].members[0]: unknown agent "Jeny" (did you mean "Jenny"?)`,
				`t.yaml:20: loops[1].tag: invalid tag "99": exactly three digits, shown to the agent after the caller's number (90595313-111)`,
			},
		},
	})
}

func TestMaxNoAnswer(t *testing.T) {
	base, err := os.ReadFile("../examples/sentralbord.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("ex.yaml", base)
	if err != nil || cfg.MaxNoAnswer != DefaultMaxNoAnswer {
		t.Fatalf("default: %v %v", cfg.MaxNoAnswer, err)
	}
	cfg, err = Parse("ex.yaml", append([]byte("max_no_answer: 0\n"), base...))
	if err != nil || cfg.MaxNoAnswer != 0 {
		t.Fatalf("0 turns it off: %v %v", cfg, err)
	}
	_, err = Parse("ex.yaml", append([]byte("max_no_answer: many\n"), base...))
	if err == nil || !strings.Contains(err.Error(), `ex.yaml:1: max_no_answer: invalid count "many"`) {
		t.Fatalf("bad value: %v", err)
	}
}
