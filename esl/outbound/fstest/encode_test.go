package fstest

import "testing"

// Values as FreeSWITCH 1.10.12's switch_url_encode sends them in plain
// events (the first cases from the recorded calls).
func TestEncodeLikeFreeSWITCH(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8084 async full": "127.0.0.1%3A8084%20async%20full",
		"{sb_agent=bo,call_timeout=5,origination_caller_id_name='Test Caller'}loopback/agent-noanswer/x": "%7Bsb_agent%3Dbo,call_timeout%3D5,origination_caller_id_name%3D'Test%20Caller'%7Dloopback/agent-noanswer/x",
		"file_string://sentralbord/plass-i-ko.wav!sentralbord/tall-1.wav":                                "file_string%3A//sentralbord/plass-i-ko.wav!sentralbord/tall-1.wav",
		"Sat, 28 Nov 2026 08:12:29 GMT": "Sat,%2028%20Nov%202026%2008%3A12%3A29%20GMT",
		"+OK\n":                         "%2BOK%0A",
		"ARRAY::a|:b":                   "ARRAY%3A%3Aa%7C%3Ab",
		"!$'()*,~-_./":                  "!$'()*,~-_./",
		"#%&+;<>?@[\\]^`\"":             "%23%25%26%2B%3B%3C%3E%3F%40%5B%5C%5D%5E%60%22",
		"50%41 %4 %zz %2b":              "50%41%20%254%20%25zz%20%252b", // only %XX with upper-case hex stays
		"\x7f\x01 ø":                    "%7F%01%20%C3%B8",
		"":                              "_undef_",
	} {
		if got := encode(in); got != want {
			t.Errorf("encode(%q) = %q, want %q", in, got, want)
		}
	}
}
