package agitest

// maxArgs is Asterisk's MAX_ARGS for an AGI command line.
const maxArgs = 128

// ParseArgs splits an AGI command line into arguments the way Asterisk 20's
// res_agi parse_args does:
//
//   - spaces and tabs separate arguments unless quoted or escaped;
//   - '"' toggles quoting and is dropped; a quote opening after whitespace
//     starts an argument even if it closes at once ("" is one empty
//     argument);
//   - '\' makes the next character literal (also outside quotes) and is
//     dropped, so "\n" arrives as "n";
//   - an unterminated quote runs to the end of the line;
//   - from the 128th argument on, unquoted words are dropped.
//
// So `SET VARIABLE Q4 a"b c"d` has four arguments, the last "ab cd", and
// `SET VARIABLE Q3 hello world` has five.
func ParseArgs(line string) []string {
	var (
		args       []string
		cur        []byte
		open       bool // an argument is being built
		quoted     bool
		escaped    bool
		whitespace = true
	)
	flush := func() {
		if open {
			args = append(args, string(cur))
			cur, open = cur[:0:0], false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' && !escaped:
			quoted = !quoted
			if quoted && whitespace {
				// Asterisk does not check the limit here.
				open, whitespace = true, false
			}
		case (c == ' ' || c == '\t') && !quoted && !escaped:
			whitespace = true
			flush()
		case c == '\\' && !escaped:
			escaped = true
			continue
		default:
			if whitespace {
				if len(args) >= maxArgs-1 {
					continue // truncated: the character is dropped
				}
				open, whitespace = true, false
			}
			cur = append(cur, c)
		}
		escaped = false
	}
	flush()
	return args
}
