package metadata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

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
