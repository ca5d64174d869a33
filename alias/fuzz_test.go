package alias_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
)

var fuzzSeeds = []string{
	"diego", "diego@example.com", "+12065550100", "+1 (206) 555-0100", "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b",
	"", "***", "a@b@c", "\xff", "Ünïcode", "(206) 555-0100", " spaced ", "\x00",
}

func FuzzClassify(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := alias.Classify(s)
		require.Contains(t, []alias.Kind{alias.Username, alias.Email, alias.Phone, alias.Sub}, k)
	})
}

func FuzzNormalize(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint8(i%5), i%2 == 0, "1")
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8, caseSensitive bool, cc string) {
		k := alias.Kind(kind % 5)
		cfg := alias.PoolConfig{CaseSensitive: caseSensitive}
		got, err := alias.Normalize(s, k, cfg, alias.Options{DefaultCountryCode: cc})
		if err != nil {
			require.True(t, errors.Is(err, alias.ErrInvalid))
			if utf8.RuneCountInString(strings.TrimSpace(s)) >= 4 {
				assert.NotContains(t, err.Error(), strings.TrimSpace(s))
			}
			return
		}
		require.NoError(t, alias.CheckUsername(got))
		again, err := alias.Normalize(got, k, cfg, alias.Options{DefaultCountryCode: cc})
		require.NoError(t, err)
		assert.Equal(t, got, again, "Normalize is idempotent")
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := alias.Mask(s)
		require.NotEmpty(t, m)
		if utf8.RuneCountInString(s) >= 3 {
			require.NotEqual(t, s, m)
		}
		if len(s) >= 8 {
			assert.NotContains(t, m, s)
		}
	})
}
