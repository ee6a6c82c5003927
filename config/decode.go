package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"
)

// field is one scalar as written in the file. Line is 0 when the key is
// absent; an empty or null value has Val "" and counts as not given. Bad
// marks a value of the wrong shape, already reported.
type field struct {
	Val  string
	Line int
	Bad  bool
}

// list is a sequence of scalars.
type list struct {
	Items []field
	Line  int
}

// handler decodes the value of one mapping key; path names the value.
type handler func(v *yaml.Node, path string)

// decoder walks yaml.Node trees by hand, so that every problem keeps its line
// and field path and all of them are reported, not only the first.
type decoder struct {
	ps *problems
}

// maxMergeDepth bounds nested "<<" merge keys.
const maxMergeDepth = 8

// document parses data as exactly one YAML document and returns its root, or
// nil after reporting why there is none.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.ps.add(0, "", "empty configuration")
		} else {
			d.syntax(err, data)
		}
		return nil
	}
	var extra yaml.Node
	switch err := safeDecode(dec, &extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntax(err, data)
		return nil
	default:
		d.ps.add(firstLine(&extra), "", "a second YAML document (---); keep the whole configuration in one")
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if n := deref(root); n == nil || isNull(n) {
		d.ps.add(0, "", "empty configuration")
		return nil
	}
	return root
}

// safeDecode shields callers from a panic inside the YAML library: a broken
// file must give an error, never take the program down.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return dec.Decode(n)
}

func firstLine(n *yaml.Node) int {
	if n.Line == 0 && len(n.Content) > 0 {
		return n.Content[0].Line
	}
	return n.Line
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for range 16 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch {
	case n == nil || isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// scalar decodes a single value. Numbers and booleans are kept as written:
// tag: 011 stays "011", not the octal number 9.
func (d *decoder) scalar(v *yaml.Node, path string) field {
	n := deref(v)
	switch {
	case n == nil || isNull(n):
		return field{Line: v.Line}
	case n.Kind == yaml.ScalarNode:
		return field{Val: n.Value, Line: v.Line}
	}
	d.ps.add(v.Line, path, "expected a single value, found %s", kindName(n))
	return field{Line: v.Line, Bad: true}
}

// seq calls each for every element of a list; null counts as an empty list.
// It returns false when v is not a list.
func (d *decoder) seq(v *yaml.Node, path string, each func(item *yaml.Node, path string)) bool {
	n := deref(v)
	switch {
	case n == nil || isNull(n):
	case n.Kind != yaml.SequenceNode:
		d.ps.add(v.Line, path, "expected a list, found %s", kindName(n))
		return false
	default:
		for i, item := range n.Content {
			each(item, fmt.Sprintf("%s[%d]", path, i))
		}
	}
	return true
}

// strings decodes a list of single values.
func (d *decoder) strings(v *yaml.Node, path string) list {
	l := list{Line: v.Line}
	d.seq(v, path, func(item *yaml.Node, p string) {
		l.Items = append(l.Items, d.scalar(item, p))
	})
	return l
}

// mapping hands each key of a mapping to its handler and reports unknown and
// repeated keys. It returns false when v is not a mapping at all.
func (d *decoder) mapping(v *yaml.Node, path string, handlers map[string]handler) bool {
	n := deref(v)
	if n == nil || n.Kind != yaml.MappingNode {
		d.ps.add(v.Line, path, "expected a mapping (key: value), found %s", kindName(n))
		return false
	}
	known := make([]string, 0, len(handlers))
	for k := range handlers {
		known = append(known, k)
	}
	slices.Sort(known)
	for _, p := range d.pairs(n, path, 0) {
		h, ok := handlers[p.key]
		if !ok {
			d.ps.add(p.line, join(path, p.key), "unknown field%s", suggest(p.key, known))
			continue
		}
		h(p.val, join(path, p.key))
	}
	return true
}

type pair struct {
	key  string
	line int
	val  *yaml.Node
}

// pairs lists the keys of mapping n, explicit keys first, then keys brought
// in by "<<" merge keys that are not given explicitly.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var out, merged []pair
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		line := n.Content[i].Line
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			d.ps.add(line, path, "a key must be a single word, not %s", kindName(k))
		case k.ShortTag() == "!!merge":
			merged = append(merged, d.merge(v, path, depth)...)
		case seen[k.Value] > 0:
			d.ps.add(line, join(path, k.Value), "repeated key (first at line %d)", seen[k.Value])
		default:
			seen[k.Value] = line
			out = append(out, pair{k.Value, line, v})
		}
	}
	for _, p := range merged {
		if seen[p.key] == 0 {
			seen[p.key] = p.line
			out = append(out, p)
		}
	}
	return out
}

func (d *decoder) merge(v *yaml.Node, path string, depth int) []pair {
	if depth >= maxMergeDepth {
		d.ps.add(v.Line, path, "merge keys (<<) nested too deep")
		return nil
	}
	n := deref(v)
	switch {
	case n != nil && n.Kind == yaml.MappingNode:
		return d.pairs(n, path, depth+1)
	case n != nil && n.Kind == yaml.SequenceNode:
		var out []pair
		for _, item := range n.Content {
			if m := deref(item); m != nil && m.Kind == yaml.MappingNode {
				out = append(out, d.pairs(m, path, depth+1)...)
				continue
			}
			d.ps.add(item.Line, path, "<< merges mappings, found %s", kindName(deref(item)))
		}
		return out
	}
	d.ps.add(v.Line, path, "<< merges mappings, found %s", kindName(n))
	return nil
}
