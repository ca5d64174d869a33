package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// maxInputFile is the largest file:// argument read: far more than any
// request, and checked before reading.
const maxInputFile = 64 << 10

// readArg reads a flag value that may be file://path: a regular file of at
// most maxInputFile bytes. Errors name the file, never its content.
func readArg(flagName, v string) (string, error) {
	path, ok := strings.CutPrefix(v, "file://")
	if !ok {
		return v, nil
	}
	b, err := readFile(flagName, "file://"+path, path, maxInputFile)
	return string(b), err
}

// readFile reads path, a regular file of at most limit bytes, opened
// without blocking (a FIFO, /dev/zero and the like are refused at once).
// Errors name the file (shown), never its content.
func readFile(flagName, shown, path string, limit int64) ([]byte, error) {
	refuse := func(why string) error { return usagef("--%s: %s: %s", flagName, shown, why) }
	st, err := os.Stat(path)
	if err != nil {
		return nil, usagef("--%s: %v", flagName, err)
	}
	if !st.Mode().IsRegular() {
		return nil, refuse("not a regular file")
	}
	if st.Size() > limit {
		return nil, refuse(fmt.Sprintf("larger than %d bytes", limit))
	}
	// O_NONBLOCK: should the path have become a FIFO since, opening it does
	// not wait for a writer; the Stat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, usagef("--%s: %v", flagName, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, refuse("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, usagef("--%s: %v", flagName, err)
	}
	if int64(len(b)) > limit {
		return nil, refuse(fmt.Sprintf("larger than %d bytes", limit))
	}
	return b, nil
}

// parseInputJSON reads --cli-input-json as the AWS CLI does: one JSON
// object, keys matched exactly, each at most once, string values, and
// nothing after it. Errors give a byte offset, never the input.
func parseInputJSON(s string) (input, error) {
	var in input
	dec := json.NewDecoder(strings.NewReader(s))
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s (at byte %d)", fmt.Sprintf(format, a...), dec.InputOffset())
	}
	tokenErr := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("not valid JSON (at byte %d)", se.Offset)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("not valid JSON: it ends too soon")
		}
		return bad("not valid JSON")
	}
	str := func(what string) (string, error) {
		t, err := dec.Token()
		if err != nil {
			return "", tokenErr(err)
		}
		v, ok := t.(string)
		if !ok {
			return "", bad("%s must be a string", what)
		}
		return v, nil
	}
	t, err := dec.Token()
	if err != nil {
		return in, tokenErr(err)
	}
	if t != json.Delim('{') {
		return in, bad("want a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		key, err := str("a key")
		if err != nil {
			return in, err
		}
		switch key {
		case "UserPoolId", "Username", "ClientMetadata":
		default:
			return in, bad("unknown field (keys are UserPoolId, Username, ClientMetadata, spelt exactly)")
		}
		if seen[key] {
			return in, bad("duplicate key %s", key)
		}
		seen[key] = true
		switch key {
		case "UserPoolId":
			in.UserPoolId, err = str(key)
		case "Username":
			in.Username, err = str(key)
		case "ClientMetadata":
			in.ClientMetadata, err = jsonMetadata(dec, str, tokenErr, bad)
		}
		if err != nil {
			return in, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return in, tokenErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return in, bad("data after the JSON object")
	}
	return in, nil
}

func jsonMetadata(dec *json.Decoder, str func(string) (string, error), tokenErr func(error) error, bad func(string, ...any) error) (map[string]string, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, tokenErr(err)
	}
	if t != json.Delim('{') {
		return nil, bad("ClientMetadata must be an object of strings")
	}
	m := map[string]string{}
	for dec.More() {
		k, err := str("a ClientMetadata key")
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, bad("duplicate key in ClientMetadata")
		}
		if m[k], err = str("a ClientMetadata value"); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, tokenErr(err)
	}
	return m, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// parseInputYAML reads --cli-input-yaml strictly: one document, a mapping
// whose keys match exactly, each at most once, string values, no aliases.
// Errors give a line number, never the input.
func parseInputYAML(s string) (input, error) {
	var in input
	dec := yaml.NewDecoder(strings.NewReader(s))
	parseErr := func(err error) error {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("not valid YAML (line %s)", m[1])
		}
		return errors.New("not valid YAML")
	}
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return in, errors.New("an empty document")
		}
		return in, parseErr(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return in, errors.New("more than one YAML document")
	}
	bad := func(n *yaml.Node, format string, a ...any) error {
		return fmt.Errorf("%s (line %d)", fmt.Sprintf(format, a...), n.Line)
	}
	str := func(n *yaml.Node, what string) (string, error) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			return "", bad(n, "%s must be a string (quote it)", what)
		}
		return n.Value, nil
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return in, bad(&doc, "want a mapping of UserPoolId, Username, ClientMetadata")
	}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			key = "" // a merge key (<<), a number, ...
		}
		var err error
		switch key {
		case "UserPoolId", "Username", "ClientMetadata":
		default:
			return in, bad(k, "unknown field (keys are UserPoolId, Username, ClientMetadata, spelt exactly)")
		}
		if seen[key] {
			return in, bad(k, "duplicate key %s", key)
		}
		seen[key] = true
		switch key {
		case "UserPoolId":
			in.UserPoolId, err = str(v, key)
		case "Username":
			in.Username, err = str(v, key)
		case "ClientMetadata":
			if v.Kind != yaml.MappingNode {
				return in, bad(v, "ClientMetadata must be a mapping of strings")
			}
			in.ClientMetadata = map[string]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				mk, err := str(v.Content[j], "a ClientMetadata key")
				if err != nil {
					return in, err
				}
				if _, dup := in.ClientMetadata[mk]; dup {
					return in, bad(v.Content[j], "duplicate key in ClientMetadata")
				}
				if in.ClientMetadata[mk], err = str(v.Content[j+1], "a ClientMetadata value"); err != nil {
					return in, err
				}
			}
		}
		if err != nil {
			return in, err
		}
	}
	return in, nil
}
