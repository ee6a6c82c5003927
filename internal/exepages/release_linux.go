package exepages

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Release unmaps the executable's read-only mappings that hold no page of
// their own and reports the executable's resident pages before and after.
func Release() (Stats, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return Stats{}, fmt.Errorf("executable: %w", err)
	}
	maps, err := mappings(exe)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Before: resident(maps)}
	for _, m := range maps {
		if !m.droppable() {
			st.Kept++
			continue
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, m.lo, m.hi-m.lo, syscall.MADV_DONTNEED); e != 0 {
			return st, fmt.Errorf("madvise %x-%x: %w", m.lo, m.hi, e)
		}
		st.Released++
	}
	if maps, err = mappings(exe); err != nil {
		return st, err
	}
	st.After = resident(maps)
	return st, nil
}

func mappings(exe string) ([]mapping, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, fmt.Errorf("mappings: %w", err)
	}
	defer f.Close()
	return parseSmaps(f, exe)
}

func resident(maps []mapping) int64 {
	var kb int64
	for _, m := range maps {
		kb += m.rss
	}
	return kb << 10
}

// mapping is one line of smaps for the executable and the fields read.
type mapping struct {
	lo, hi uintptr
	perms  string
	rss    int64 // kB resident
	anon   int64 // kB of the mapping's own (copied-on-write) pages
}

// droppable is a private read-only mapping with no page of its own. A page
// the process changed, even once, is an anonymous copy; "dirty" on a file
// page only means the page cache has not written it back yet (a freshly
// built executable), and the page cache keeps it.
func (m mapping) droppable() bool {
	return len(m.perms) == 4 && m.perms[0] == 'r' && m.perms[1] == '-' && m.perms[3] == 'p' && m.anon == 0
}

// parseSmaps returns the mappings of the file exe from an smaps listing.
func parseSmaps(r io.Reader, exe string) ([]mapping, error) {
	var out []mapping
	var cur *mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if m, path, ok := header(line); ok {
			cur = nil
			if path == exe {
				out = append(out, m)
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur == nil {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if name != "Rss" && name != "Anonymous" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("smaps: %s of %x: %q", name, cur.lo, rest)
		}
		if name == "Rss" {
			cur.rss = kb
		} else {
			cur.anon = kb
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("smaps: %w", err)
	}
	return out, nil
}

// header parses "lo-hi perms offset dev inode path"; path may hold spaces.
func header(line string) (mapping, string, bool) {
	var f [5]string
	rest := line
	for i := range f {
		rest = strings.TrimLeft(rest, " ")
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		f[i], rest = rest[:end], rest[end:]
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok || f[4] == "" {
		return mapping{}, "", false
	}
	a, err1 := strconv.ParseUint(lo, 16, 64)
	b, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || b <= a {
		return mapping{}, "", false
	}
	return mapping{lo: uintptr(a), hi: uintptr(b), perms: f[1]}, strings.TrimLeft(rest, " "), true
}
