package members

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxImport bounds an import file: a large union has a few hundred thousand
// members, a few hundred bytes each.
const maxImport = 512 << 20

// csvColumns are the columns an import CSV may have; member_no and name are
// required. phones holds several numbers separated by ";" or "|".
var csvColumns = []string{"member_no", "name", "phones", "email", "address", "bladretur", "language", "fnr"}

// ReadRecords reads member records from CSV (a header row naming the
// columns, "," or ";" separated) or JSON (an array of objects). Errors give
// the line or item and the field, never a fødselsnummer.
func ReadRecords(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(io.LimitReader(r, maxImport))
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, errors.New("empty file")
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', '\xef', '\xbb', '\xbf':
			_, _ = br.ReadByte()
			continue
		case '[':
			return readJSON(br)
		}
		return readCSV(br)
	}
}

func readJSON(r io.Reader) ([]Record, error) {
	var recs []Record
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&recs); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("json: field %q: want %s", te.Field, te.Type)
		}
		// Syntax errors give an offset, never the text around it.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("json: syntax error at byte %d", se.Offset)
		}
		return nil, fmt.Errorf("json: %s", redactErr(err))
	}
	return recs, nil
}

func readCSV(r *bufio.Reader) ([]Record, error) {
	head, _ := r.Peek(4096)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(r)
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("csv: header: %s", redactErr(err))
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !contains(csvColumns, h) {
			return nil, fmt.Errorf("csv: header: unknown column %q (known: %s)", h, strings.Join(csvColumns, ", "))
		}
		col[h] = i
	}
	for _, req := range []string{"member_no", "name"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("csv: header: column %q is required", req)
		}
	}
	var recs []Record
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("csv: line %d: %s", line, redactErr(err))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		rec := Record{
			No: get("member_no"), Name: get("name"), Email: get("email"), Address: get("address"),
			Language: get("language"), Fnr: get("fnr"),
			Phones: strings.FieldsFunc(get("phones"), func(r rune) bool { return r == ';' || r == '|' }),
		}
		if b := get("bladretur"); b != "" {
			v, ok := parseBool(b)
			if !ok {
				return nil, fmt.Errorf("csv: line %d: bladretur %q: want yes/no, true/false, ja/nei or 1/0", line, b)
			}
			rec.Bladretur = v
		}
		recs = append(recs, rec)
	}
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "ja", "j", "yes", "y", "x":
		return true, true
	case "nei", "n", "no":
		return false, true
	}
	v, err := strconv.ParseBool(s)
	return v, err == nil
}

// redactErr returns an error's message with digit runs long enough to be a
// fødselsnummer removed: parsers quote the input they choke on.
func redactErr(err error) string {
	return RedactDigits(err.Error())
}

// RedactDigits replaces every run of 11 or more digits with "***********".
func RedactDigits(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run >= 11 {
			b.WriteString(strings.Repeat("*", run))
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := range len(s) {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
