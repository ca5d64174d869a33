package metadata_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Format and Parse again unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a=b", "a=b,c=d", `a="x,y"`, `a='k=v'`, `{"k":"v"}`, `{"a":{"b":1}}`, `"a,b"=c`,
		"a=1,,b=2", `a="x`, `{"a":"b"} x`, "=", ",", `\`, `a="\\"`, " { ", "{" + strings.Repeat("[", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := metadata.Parse(s)
		if err != nil {
			require.ErrorIs(t, err, metadata.ErrInvalid)
			require.Nil(t, m)
			return
		}
		back, err := metadata.Parse(metadata.Format(m))
		require.NoError(t, err, "Format(%q)", m)
		assert.Equal(t, m, back)
	})
}

// FuzzFormat checks Parse(Format(m)) == m for maps of arbitrary strings.
func FuzzFormat(f *testing.F) {
	f.Add("k", "v", "k2", "v2")
	f.Add("", "", " a ", `"'`)
	f.Add("{", "}", "x=y", "a,b")
	f.Add("\\", "\\\"", "\t", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		back, err := metadata.Parse(metadata.Format(m))
		require.NoError(t, err, "Format(%q) = %q", m, metadata.Format(m))
		assert.Equal(t, m, back)
	})
}

// FuzzValidate checks that Validate never panics and never echoes a value
// in its error.
func FuzzValidate(f *testing.F) {
	f.Add("note", "hello")
	f.Add("password", "hunter2hunter2")
	f.Add("jwt", testJWT)
	f.Add("card", "4111 1111 1111 1111")
	f.Add("k\x00", "\xff\xfe")
	f.Add("", "AKIAIOSFODNN7EXAMPLE")
	f.Fuzz(func(t *testing.T, k, v string) {
		const marker = "Zq9MarkerQ7z"
		err := metadata.DefaultPolicy().Validate(map[string]string{k: marker + v + marker})
		if err == nil {
			return
		}
		require.ErrorIs(t, err, metadata.ErrInvalid)
		assert.NotContains(t, err.Error(), marker)
	})
}
