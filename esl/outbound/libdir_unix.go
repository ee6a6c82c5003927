//go:build unix

package outbound

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// removeStaleLibraryDirs removes the socket directories of this user's
// processes that have ended: eslgo's server lives as long as its process,
// which leaves its directory behind. A directory whose process still runs,
// or whose name does not parse, is left alone; nothing is dialled (a
// connection dropped on a live eslgo is what must never happen).
func removeStaleLibraryDirs(log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), libDirPrefix+"*"))
	for _, dir := range dirs {
		pid, ok := libDirPID(filepath.Base(dir))
		if !ok || pid == os.Getpid() {
			continue
		}
		st, err := os.Lstat(dir)
		if err != nil || !st.IsDir() {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
			continue
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			continue // running, or not ours to signal
		}
		if err := os.RemoveAll(dir); err != nil {
			log.Debug("stale eslgo socket directory kept", "dir", dir, "err", err)
		}
	}
}

// libDirPID reads the process id from a directory name made by startLibrary.
func libDirPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, libDirPrefix)
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(num)
	return pid, err == nil && pid > 0
}
