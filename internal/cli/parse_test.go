package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/routing"
)

func TestParseLogout(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		args         []string
		reason, till string
		wantErr      string
	}{
		{"vacation with a return date", []string{"jenny"}, "ferie", "2026-12-31", ""},
		{"reason is case-insensitive", []string{"jenny"}, "PERMISJON", "", ""},
		{"reason is required", []string{"jenny"}, "", "", "--reason is required: ferie, fri or permisjon (logging out is only for vacation, time off or leave)"},
		{"other reasons are refused with the allowed values", []string{"jenny"}, "sick", "", `--reason: invalid logout reason "sick" (allowed: ferie, fri, permisjon)`},
		{"bad date", []string{"jenny"}, "fri", "31.12.2026", `--until "31.12.2026": want a date like 2026-12-31`},
		{"date in the past", []string{"jenny"}, "fri", "2026-11-29", "--until 2026-11-29 is in the past"},
		{"no name", nil, "fri", "", "want exactly one agent name, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseLogout(tt.args, tt.reason, tt.till, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if o.reason == "" || o.name != tt.args[0] {
					t.Fatalf("options %+v", o)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if ExitCode(err) != ExitUsage {
				t.Fatalf("exit code %d, want %d", ExitCode(err), ExitUsage)
			}
		})
	}
}

func TestParseRouteNeedsDryRunAndLoop(t *testing.T) {
	if _, err := parseRoute("1", "", false); err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Errorf("without --dry-run: %v", err)
	}
	if _, err := parseRoute("", "", true); err == nil || !strings.Contains(err.Error(), "--loop is required") {
		t.Errorf("without --loop: %v", err)
	}
	if o, err := parseRoute("2", "90595313", true); err != nil || o.loop != "2" {
		t.Errorf("valid: %+v %v", o, err)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{usage(errors.New("x")), ExitUsage},
		{fmt.Errorf("status: %w", routing.ErrInvalidStatus), ExitUsage},
		{fmt.Errorf("x: %w", routing.ErrUnknownAgent), ExitNotFound},
		{routing.ErrAmbiguousAgent, ExitNotFound},
		{routing.ErrUnknownLoop, ExitNotFound},
		{&config.Error{}, ExitConfig},
		{configError{errors.New("no file")}, ExitConfig},
		{unavailableError{errors.New("refused")}, ExitUnavailable},
		{errors.New("other"), ExitFailure},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
