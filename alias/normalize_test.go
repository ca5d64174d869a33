package alias_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
)

func TestNormalize(t *testing.T) {
	sensitive := alias.PoolConfig{CaseSensitive: true}
	insensitive := alias.PoolConfig{CaseSensitive: false}
	us := alias.Options{DefaultCountryCode: "1"}
	uk := alias.Options{DefaultCountryCode: "44"}
	tests := []struct {
		name string
		in   string
		k    alias.Kind
		cfg  alias.PoolConfig
		opts alias.Options
		want string
	}{
		{"username trimmed", "  Diego  ", alias.Username, sensitive, alias.Options{}, "Diego"},
		{"username kept case", "Diego", alias.Username, sensitive, alias.Options{}, "Diego"},
		{"username folded", "Diego", alias.Username, insensitive, alias.Options{}, "diego"},
		{"preferred folded", "DRamirez", alias.PreferredUsername, insensitive, alias.Options{}, "dramirez"},
		{"username 128 chars", strings.Repeat("é", 128), alias.Username, sensitive, alias.Options{}, strings.Repeat("é", 128)},
		{"username symbols", "a+b_c.d-e@f!", alias.Username, sensitive, alias.Options{}, "a+b_c.d-e@f!"},
		{"email kept in case-sensitive pool", "Diego@Example.COM", alias.Email, sensitive, alias.Options{}, "Diego@Example.COM"},
		{"email all folded", "Diego@Example.COM", alias.Email, insensitive, alias.Options{}, "diego@example.com"},
		{"phone separators", "+1 (206) 555-0100", alias.Phone, sensitive, alias.Options{}, "+12065550100"},
		{"phone national us", "(206) 555-0100", alias.Phone, sensitive, us, "+12065550100"},
		{"phone national uk trunk 0", "020 7946 0958", alias.Phone, sensitive, uk, "+442079460958"},
		{"phone international kept", "+44 20 7946 0958", alias.Phone, sensitive, us, "+442079460958"},
		{"sub kept", "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B", alias.Sub, sensitive, alias.Options{}, "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B"},
		{"sub kept in case-insensitive pool", "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B", alias.Sub, insensitive, alias.Options{}, "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B"},
		{"uuid-shaped username kept", "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B", alias.Username, sensitive, alias.Options{}, "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alias.Normalize(tt.in, tt.k, tt.cfg, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalize_Invalid(t *testing.T) {
	cfg := alias.PoolConfig{CaseSensitive: true}
	tests := []struct {
		name   string
		in     string
		k      alias.Kind
		opts   alias.Options
		reason string
	}{
		{"empty", "", alias.Username, alias.Options{}, "empty"},
		{"blank", "   ", alias.Username, alias.Options{}, "empty"},
		{"129 chars", strings.Repeat("a", 129), alias.Username, alias.Options{}, "longer than 128"},
		{"inner space", "diego ramirez", alias.Username, alias.Options{}, "white space"},
		{"control", "diego\x00x", alias.Username, alias.Options{}, "control character"},
		{"tab", "die\tgo", alias.Username, alias.Options{}, "white space"},
		{"invalid utf8", "dieg\xffo", alias.Username, alias.Options{}, "UTF-8"},
		{"email without at", "diego.example.com", alias.Email, alias.Options{}, "not an email"},
		{"email empty domain", "diego@", alias.Email, alias.Options{}, "not an email"},
		{"phone national no cc", "2065550100", alias.Phone, alias.Options{}, "needs '+'"},
		{"phone too long", "+1234567890123456", alias.Phone, alias.Options{}, "E.164"},
		{"phone letters", "+1206CALLNOW", alias.Phone, alias.Options{}, "E.164"},
		{"phone bad cc option", "2065550100", alias.Phone, alias.Options{DefaultCountryCode: "+1"}, "DefaultCountryCode"},
		{"sub not uuid", "not-a-uuid-value", alias.Sub, alias.Options{}, "not a UUID"},
		{"unknown kind", "diego", alias.Kind(9), alias.Options{}, "unknown kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alias.Normalize(tt.in, tt.k, cfg, tt.opts)
			require.ErrorIs(t, err, alias.ErrInvalid)
			assert.Empty(t, got)
			assert.Contains(t, err.Error(), tt.reason)
			if len(tt.in) >= 4 {
				assert.NotContains(t, err.Error(), strings.TrimSpace(tt.in), "the value must be masked")
			}
		})
	}
}

func TestCheckUsername(t *testing.T) {
	require.NoError(t, alias.CheckUsername("diego"))
	require.ErrorIs(t, alias.CheckUsername(" diego"), alias.ErrInvalid)
	require.ErrorIs(t, alias.CheckUsername(strings.Repeat("x", 129)), alias.ErrInvalid)
	require.ErrorIs(t, alias.CheckUsername("\xff"), alias.ErrInvalid)
}

func TestOptionsCheck(t *testing.T) {
	for cc, ok := range map[string]bool{"": true, "1": true, "44": true, "358": true, "0": false, "1234": false, "+1": false, "1a": false} {
		err := alias.Options{DefaultCountryCode: cc}.Check()
		if ok {
			assert.NoError(t, err, cc)
		} else {
			assert.ErrorIs(t, err, alias.ErrInvalid, cc)
		}
	}
}
