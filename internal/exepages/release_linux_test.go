package exepages

import (
	"strings"
	"testing"
)

const smaps = `00400000-01038000 r-xp 00000000 fd:01 1234                               /opt/sentral bord/sb
Rss:                8120 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
VmFlags: rd ex mr mw me dw sd
01038000-01cae000 r--p 00c38000 fd:01 1234                               /opt/sentral bord/sb
Rss:                9076 kB
Anonymous:             0 kB
Private_Dirty:      1580 kB
01cae000-01d22000 r--p 018ae000 fd:01 1234                               /opt/sentral bord/sb
Anonymous:             8 kB
Private_Dirty:         8 kB
01d22000-01d40000 rw-p 01922000 fd:01 1234                               /opt/sentral bord/sb
Anonymous:           400 kB
Private_Dirty:       400 kB
01d40000-01d50000 r--s 01940000 fd:01 1234                               /opt/sentral bord/sb
Anonymous:             0 kB
Private_Dirty:         0 kB
29105e400000-29105f000000 rw-p 00000000 00:00 0 
Anonymous:          6728 kB
7f6a45957000-7f6a45aad000 r-xp 00028000 fd:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
Private_Dirty:         0 kB
`

func TestParseSmapsFindsOnlyCleanReadOnlyMappingsOfTheExecutable(t *testing.T) {
	maps, err := parseSmaps(strings.NewReader(smaps), "/opt/sentral bord/sb")
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 5 {
		t.Fatalf("got %d mappings of the executable, want 5: %+v", len(maps), maps)
	}
	want := []bool{true, true, false, false, false} // relocated page, writable, shared
	for i, m := range maps {
		if m.droppable() != want[i] {
			t.Errorf("mapping %x-%x %s anon %d: droppable %v, want %v", m.lo, m.hi, m.perms, m.anon, m.droppable(), want[i])
		}
	}
	if maps[0].lo != 0x400000 || maps[0].hi != 0x1038000 || maps[2].anon != 8 || resident(maps) != (8120+9076)<<10 {
		t.Errorf("fields misread: %+v", maps)
	}
}

func TestParseSmapsRejectsAGarbledField(t *testing.T) {
	_, err := parseSmaps(strings.NewReader("00400000-01038000 r-xp 00000000 fd:01 1 /sb\nAnonymous: lots kB\n"), "/sb")
	if err == nil || !strings.Contains(err.Error(), "Anonymous") {
		t.Fatalf("err = %v, want one naming the Anonymous field", err)
	}
}

func TestReleaseHandsBackTheExecutablesPages(t *testing.T) {
	st, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("executable resident %d KiB before, %d KiB after; %d mappings released, %d kept", st.Before>>10, st.After>>10, st.Released, st.Kept)
	if st.Released == 0 {
		t.Fatalf("no mapping released: %+v", st)
	}
	// What the test process runs next is faulted back in, far less than
	// start-up touched.
	if st.Before < 1<<20 || st.After > st.Before/2 {
		t.Fatalf("resident pages of the executable %d KiB before, %d KiB after: want under half", st.Before>>10, st.After>>10)
	}
	again, err := Release()
	if err != nil || again.Released != st.Released {
		t.Fatalf("second release: %+v %v, want the same %d mappings", again, err, st.Released)
	}
}
