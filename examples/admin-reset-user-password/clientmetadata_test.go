package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"blank", "   ", map[string]string{}},
		{"shorthand one", "source=console", map[string]string{"source": "console"}},
		{"shorthand two", "KeyName1=string,KeyName2=string", map[string]string{"KeyName1": "string", "KeyName2": "string"}},
		{"spaces trimmed", "  a = x y , b= z ", map[string]string{"a": "x y", "b": "z"}},
		{"double quoted comma", `a="x,y"`, map[string]string{"a": "x,y"}},
		{"single quoted equals", `a='k=v', b=2`, map[string]string{"a": "k=v", "b": "2"}},
		{"quoted keeps spaces", `a=" x "`, map[string]string{"a": " x "}},
		{"escaped quote", `a="say \"hi\" \\ ok"`, map[string]string{"a": `say "hi" \ ok`}},
		{"quoted key", `"a,b"=c`, map[string]string{"a,b": "c"}},
		{"empty value", "a=,b=", map[string]string{"a": "", "b": ""}},
		{"quoted empty key", `""=v`, map[string]string{"": "v"}},
		{"unicode", "ville=Zürich", map[string]string{"ville": "Zürich"}},
		{"json", `{"k": "v", "a": "b,c=d"}`, map[string]string{"k": "v", "a": "b,c=d"}},
		{"json leading space", "  {\"k\":\"v\"}  ", map[string]string{"k": "v"}},
		{"json empty", `{}`, map[string]string{}},
		{"json escapes", `{"k":"\u00e9\n"}`, map[string]string{"k": "é\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMetadata(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMetadata_Errors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset int
		msg    string
	}{
		{"no equals", "abc", 0, `pair for key "abc" has no '='`},
		{"second pair no equals", "a=1,bcd", 4, `pair for key "bcd" has no '='`},
		{"duplicate shorthand", "a=1,a=2", 4, `duplicate key "a"`},
		{"missing key", "=v", 0, "missing key"},
		{"empty pair", "a=1,,b=2", 4, "empty pair"},
		{"trailing comma", "a=1,", 4, "trailing ','"},
		{"unquoted equals", "a=b=c", 3, "quote the value"},
		{"unterminated quote", `a="xyz`, 2, "unterminated \" quote"},
		{"text after quote", `a="x"y`, 5, "text after the quoted value"},
		{"quote inside key", `a"b=c`, 1, "quote inside a key"},
		{"json duplicate", `{"a":"1","a":"2"}`, 9, `duplicate key "a"`},
		{"json number", `{"a":1}`, 5, "is a number, not a string"},
		{"json nested object", `{"a":{"b":"c"}}`, 5, "is an object"},
		{"json array", `{"a":["x"]}`, 5, "is an array"},
		{"json null", `{"a":null}`, 5, "is null"},
		{"json bool", `{"a":true}`, 5, "is a boolean"},
		{"json trailing", `{"a":"b"} x`, 10, "text after the JSON object"},
		{"json two objects", `{}{}`, 2, "text after the JSON object"},
		{"json unterminated", `{"a":"b"`, 8, "unexpected end"},
		{"json bad syntax", `{"a" "b"}`, 5, "invalid JSON syntax"},
		{"json deep nesting", `{"a":` + strings.Repeat("[", 100000), 5, "is an array"},
		{"json deep keys", strings.Repeat("{", 100000), 1, "invalid JSON syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseMetadata(tt.in)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, metadata.ErrInvalid)
			var pe *metadataParseError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.Msg, tt.msg)
			assert.Equal(t, tt.offset, pe.Offset, pe.Error())
		})
	}
}

func TestParseMetadata_ErrorsNeverHoldValues(t *testing.T) {
	const marker = "SECRETVALUE"
	for _, in := range []string{
		"a=" + marker + "=x", `a="` + marker, `a="` + marker + `"x`, `{"a":"` + marker + `"`,
		`{"a":"` + marker + `", "a": "y"}`, `{"a":"` + marker + `"} ` + marker, `{"a": ` + marker + `}`,
	} {
		_, err := parseMetadata(in)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), marker)
		assert.NotContains(t, err.Error(), "SECRET")
	}
}

func TestParseMetadata_InputSizeBound(t *testing.T) {
	big := "a=" + strings.Repeat("x", maxMetadataBytes)
	_, err := parseMetadata(big)
	var pe *metadataParseError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Msg, "limit")

	// Just under the bound, a megabyte-long value parses in linear time.
	m, err := parseMetadata("a=" + strings.Repeat("x", 1<<20))
	require.NoError(t, err)
	assert.Len(t, m["a"], 1<<20)
}

func TestFormatMetadata(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want string
	}{
		{"nil", nil, ""},
		{"sorted plain", map[string]string{"b": "2", "a": "1"}, "a=1,b=2"},
		{"quotes where needed", map[string]string{"a": "x,y", "b": " pad", "c": `q"`, "d": ""}, `a="x,y",b=" pad",c="q\"",d=`},
		{"quoted key", map[string]string{"k=1": "v", "{j": "v"}, `"k=1"=v,"{j"=v`},
		{"empty key", map[string]string{"": "v"}, `""=v`},
		{"backslash plain", map[string]string{"p": `C:\dir`}, `p=C:\dir`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formatMetadata(tt.in)
			assert.Equal(t, tt.want, got)
			back, err := parseMetadata(got)
			require.NoError(t, err)
			if len(tt.in) == 0 {
				assert.Empty(t, back)
				return
			}
			assert.Equal(t, tt.in, back)
		})
	}
}

// Hostile input (deep nesting, megabytes of pairs) is refused in bounded memory.
func TestParseMetadata_DeepInputBoundedMemory(t *testing.T) {
	for _, in := range []string{
		`{"a":` + strings.Repeat("[", 1<<20),
		strings.Repeat("{", 1<<20),
		`{"a":` + strings.Repeat(`{"b":`, 200000),
		strings.Repeat(`a=b,`, 500000) + "a=c",
	} {
		var err error
		alloc := allocatedBy(func() { _, err = parseMetadata(in) })
		require.ErrorIs(t, err, metadata.ErrInvalid)
		t.Logf("parseMetadata of %d bytes: allocated %d bytes", len(in), alloc)
		assert.Less(t, alloc, uint64(64<<20), "bounded memory: %d bytes for %d bytes of input", alloc, len(in))
	}
}

// allocatedBy returns the bytes fn allocates.
func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzParseMetadata checks that parseMetadata never panics and that whatever it accepts
// survives formatMetadata and parseMetadata again unchanged.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{
		"", "a=b", "a=b,c=d", `a="x,y"`, `a='k=v'`, `{"k":"v"}`, `{"a":{"b":1}}`, `"a,b"=c`,
		"a=1,,b=2", `a="x`, `{"a":"b"} x`, "=", ",", `\`, `a="\\"`, " { ", "{" + strings.Repeat("[", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMetadata(s)
		if err != nil {
			require.ErrorIs(t, err, metadata.ErrInvalid)
			require.Nil(t, m)
			return
		}
		back, err := parseMetadata(formatMetadata(m))
		require.NoError(t, err, "Format(%q)", m)
		assert.Equal(t, m, back)
	})
}

// FuzzFormatMetadata checks parseMetadata(formatMetadata(m)) == m for maps of arbitrary strings.
func FuzzFormatMetadata(f *testing.F) {
	f.Add("k", "v", "k2", "v2")
	f.Add("", "", " a ", `"'`)
	f.Add("{", "}", "x=y", "a,b")
	f.Add("\\", "\\\"", "\t", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		back, err := parseMetadata(formatMetadata(m))
		require.NoError(t, err, "Format(%q) = %q", m, formatMetadata(m))
		assert.Equal(t, m, back)
	})
}

func Example_parseMetadata() {
	m, err := parseMetadata(`source=helpdesk, note="locked out, called in"`)
	fmt.Println(m["source"], "|", m["note"], "|", err)

	m, err = parseMetadata(`{"source": "helpdesk"}`)
	fmt.Println(m, err)

	_, err = parseMetadata("source=helpdesk,source=cli")
	fmt.Println(err)
	// Output:
	// helpdesk | locked out, called in | <nil>
	// map[source:helpdesk] <nil>
	// metadata: cannot parse client metadata at byte 16: duplicate key "source"
}

func Example_formatMetadata() {
	fmt.Println(formatMetadata(map[string]string{"note": "a,b", "source": "cli"}))
	// Output: note="a,b",source=cli
}
