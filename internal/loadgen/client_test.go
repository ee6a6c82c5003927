package loadgen

import "testing"

func TestAnswerRepliesLikeAsterisk(t *testing.T) {
	for _, c := range []struct {
		line string
		dead bool
		want string
	}{
		{`SET VARIABLE SB_AGENT "a000001"`, false, "200 result=1\n"},
		{`SET VARIABLE SB_CALLERID_NAME "say \"hi\" \\ there"`, true, "200 result=1\n"},
		{`GET FULL VARIABLE ${DEVICE_STATE(PJSIP/100001)}`, false, "200 result=1 (NOT_INUSE)\n"},
		{`GET VARIABLE SB_AGENT`, false, "200 result=1 (a000001)\n"},
		{`GET VARIABLE NOPE`, false, "200 result=0\n"},
		{`SET MUSIC ON default`, false, "200 result=0\n"},
		{`SET MUSIC ON default`, true, "511 Command Not Permitted on a dead channel or intercept routine\n"},
		{`FROB`, false, "510 Invalid or unknown command\n"},
	} {
		s := session{vars: map[string]string{}}
		s.answer(`SET VARIABLE SB_AGENT "a000001"`, false)
		if got := s.answer(c.line, c.dead); got != c.want {
			t.Errorf("%s (dead %v): %q, want %q", c.line, c.dead, got, c.want)
		}
	}
	s := session{vars: map[string]string{}}
	s.answer(`SET VARIABLE SB_CALLERID_NAME "say \"hi\" \\ there"`, false)
	if got := s.vars["SB_CALLERID_NAME"]; got != `say "hi" \ there` {
		t.Errorf("unquoted %q", got)
	}
}
