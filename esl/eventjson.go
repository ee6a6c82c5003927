package esl

import (
	"encoding/json"
	"unicode/utf8"
)

// parseJSON reads a text/event-json body as ParseJSONEvent does, quickly
// for what FreeSWITCH sends: one flat object of string values, decoded
// only when kept. Any other shape (numbers, nesting, odd keys) goes to
// ParseJSONEvent, which handles every JSON value.
func (p *eventParser) parseJSON(body []byte) (Event, error) {
	var e Event
	if p.headers != nil {
		clear(p.headers)
		e.Headers = p.headers
	} else {
		e.Headers = make(map[string]string, 32)
	}
	s := string(body)
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return ParseJSONEvent(body)
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return e, nil
	}
	for {
		k, j, ok := jsonString(s, i)
		if !ok {
			return ParseJSONEvent(body)
		}
		if j = skipSpace(s, j); j == len(s) || s[j] != ':' {
			return ParseJSONEvent(body)
		}
		start := skipSpace(s, j+1)
		v, j, ok := jsonString(s, start)
		if !ok {
			return ParseJSONEvent(body)
		}
		canon, keep := "", true
		if k != "_body" {
			if canon, keep, ok = p.name(k); !ok {
				return ParseJSONEvent(body)
			}
		}
		if keep && v == "" && j-start > 2 { // escaped: the full decoder's reading
			if json.Unmarshal(body[start:j], &v) != nil {
				return ParseJSONEvent(body)
			}
		}
		switch {
		case k == "_body":
			e.Body = v // the last, as ParseJSONEvent keeps
		case keep:
			e.set(canon, v)
		}
		switch j = skipSpace(s, j); {
		case j < len(s) && s[j] == ',':
			i = skipSpace(s, j+1)
		case j < len(s) && s[j] == '}':
			return e, nil // what follows the object is not read, as by a json.Decoder
		default:
			return ParseJSONEvent(body)
		}
	}
}

// jsonString reads the string token at s[i:]: its value and where it
// ends. A token with escapes ends where it should but its value is left
// "" for the caller to decode; ok is false for anything but a string, and
// for control characters or invalid UTF-8, which the full decoder reads
// differently.
func jsonString(s string, i int) (v string, end int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	ascii, escaped := true, false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			if escaped {
				return "", j + 1, true
			}
			v = s[i+1 : j]
			return v, j + 1, ascii || utf8.ValidString(v)
		case c == '\\':
			escaped = true
			j++ // the escaped character cannot end the string
		case c < 0x20:
			return "", j, false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", len(s), false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
