//go:build !unix

package outbound

import "log/slog"

// removeStaleLibraryDirs is Unix only.
func removeStaleLibraryDirs(*slog.Logger) {}
