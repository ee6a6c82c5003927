//go:build unix

package outbound

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// eslgo's server must not be reachable by other local users: a connection
// dropped at the wrong moment makes it read EOF and panic (its issue #46).
func TestLibrarySocketIsPrivateToThisUser(t *testing.T) {
	addr, err := libraryAddr(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(addr)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Type() != fs.ModeSocket {
		t.Errorf("%s is %v, want a Unix socket", addr, st.Mode())
	}
	dir, err := os.Stat(filepath.Dir(addr))
	if err != nil {
		t.Fatal(err)
	}
	if perm := dir.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory of %s has mode %v, want 0700", addr, perm)
	}
	// What answers there is eslgo: the probe start-up makes, which start-up
	// also repeats (eslgo may close on the disconnect notice before it
	// sends its "exit").
	var perr error
	for range 20 {
		if perr = probeLibrary(addr); perr == nil {
			break
		}
	}
	if perr != nil {
		t.Errorf("probe, 20 tries: %v", perr)
	}
}

func TestStaleLibraryDirectoriesAreRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// A process id no process has (above Linux's pid_max), one of this
	// process, and a name that is not ours to parse.
	dead := filepath.Join(tmp, libDirPrefix+"2147483000-1")
	live := filepath.Join(tmp, libDirPrefix+strconv.Itoa(os.Getppid())+"-2")
	odd := filepath.Join(tmp, libDirPrefix+"x-3")
	for _, d := range []string{dead, live, odd} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleLibraryDirs(slog.New(slog.DiscardHandler))
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the directory of an ended process is still there: %v", err)
	}
	for _, d := range []string{live, odd} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}
