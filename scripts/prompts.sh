#!/usr/bin/env sh
# Generates every prompt of scripts/prompts.tsv with espeak-ng and sox:
#
#   scripts/prompts.sh [OUT]        (default OUT: sounds)
#
# OUT/asterisk/<lang>/sentralbord/<name>.wav     Asterisk's sounds directory
# OUT/freeswitch/<lang>/sentralbord/<name>.wav   FreeSWITCH's sound_prefix
# See docs/operations.md for where to mount them.
set -eu
cd "$(dirname "$0")/.."
exec go run ./scripts/prompts -texts scripts/prompts.tsv -out "${1:-sounds}"
