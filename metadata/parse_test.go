package metadata_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

func TestParse(t *testing.T) {
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
			got, err := metadata.Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParse_Errors(t *testing.T) {
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
			m, err := metadata.Parse(tt.in)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, metadata.ErrInvalid)
			var pe *metadata.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.Msg, tt.msg)
			assert.Equal(t, tt.offset, pe.Offset, pe.Error())
		})
	}
}

func TestParse_ErrorsNeverHoldValues(t *testing.T) {
	const marker = "SECRETVALUE"
	for _, in := range []string{
		"a=" + marker + "=x", `a="` + marker, `a="` + marker + `"x`, `{"a":"` + marker + `"`,
		`{"a":"` + marker + `", "a": "y"}`, `{"a":"` + marker + `"} ` + marker, `{"a": ` + marker + `}`,
	} {
		_, err := metadata.Parse(in)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), marker)
		assert.NotContains(t, err.Error(), "SECRET")
	}
}

func TestParse_InputSizeBound(t *testing.T) {
	big := "a=" + strings.Repeat("x", metadata.MaxParseBytes)
	_, err := metadata.Parse(big)
	var pe *metadata.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Msg, "limit")

	// Just under the bound, a megabyte-long value parses in linear time.
	m, err := metadata.Parse("a=" + strings.Repeat("x", 1<<20))
	require.NoError(t, err)
	assert.Len(t, m["a"], 1<<20)
}

func TestFormat(t *testing.T) {
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
			got := metadata.Format(tt.in)
			assert.Equal(t, tt.want, got)
			back, err := metadata.Parse(got)
			require.NoError(t, err)
			if len(tt.in) == 0 {
				assert.Empty(t, back)
				return
			}
			assert.Equal(t, tt.in, back)
		})
	}
}
