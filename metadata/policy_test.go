package metadata_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

func rules(t *testing.T, err error) []metadata.Rule {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *metadata.ValidationError
	require.ErrorAs(t, err, &ve)
	out := make([]metadata.Rule, len(ve.Violations))
	for i, v := range ve.Violations {
		out[i] = v.Rule
	}
	return out
}

func TestValidate_Rules(t *testing.T) {
	p := metadata.DefaultPolicy()
	tests := []struct {
		name string
		m    map[string]string
		want []metadata.Rule
	}{
		{"nil map", nil, nil},
		{"empty map", map[string]string{}, nil},
		{"ordinary pairs", map[string]string{"source": "admin-console", "locale": "fr-FR", "ticket_id": "INC-1234"}, nil},
		{"50 pairs pass", pairs(50, 4), nil},
		{"51 pairs", pairs(51, 4), []metadata.Rule{metadata.RuleTooManyPairs}},
		{"key at 128 bytes", map[string]string{strings.Repeat("k", 128): "v"}, nil},
		{"key at 129 bytes", map[string]string{strings.Repeat("k", 129): "v"}, []metadata.Rule{metadata.RuleKeyTooLong}},
		{"value at 1024 bytes", map[string]string{"note": strings.Repeat("v", 1024)}, nil},
		{"value at 1025 bytes", map[string]string{"note": strings.Repeat("v", 1025)}, []metadata.Rule{metadata.RuleValueTooLong}},
		{"total above 8 KiB", pairs(10, 1000), []metadata.Rule{metadata.RuleTotalTooLarge}},
		{"empty key", map[string]string{"": "v"}, []metadata.Rule{metadata.RuleKeyEmpty}},
		{"control character in key", map[string]string{"a\nb": "v"}, []metadata.Rule{metadata.RuleKeyControl}},
		{"NUL in key", map[string]string{"a\x00b": "v"}, []metadata.Rule{metadata.RuleKeyControl}},
		{"invalid UTF-8 key", map[string]string{"a\xffb": "v"}, []metadata.Rule{metadata.RuleKeyUTF8}},
		{"invalid UTF-8 value", map[string]string{"note": "a\xc3"}, []metadata.Rule{metadata.RuleValueUTF8}},
		{"keys differing by case", map[string]string{"Locale": "a", "locale": "b"}, []metadata.Rule{metadata.RuleKeyCaseDuplicate}},
		{"JWT value", map[string]string{"note": testJWT}, []metadata.Rule{metadata.RuleSensitiveValue}},
		{"sensitive key", map[string]string{"Password": "x"}, []metadata.Rule{metadata.RuleSensitiveKey}},
		{"every violation reported", map[string]string{"": "x", "apiKey": testJWT, "note": strings.Repeat("v", 2000)},
			[]metadata.Rule{metadata.RuleKeyEmpty, metadata.RuleSensitiveKey, metadata.RuleSensitiveValue, metadata.RuleValueTooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Validate(tt.m)
			assert.Equal(t, tt.want, rules(t, err))
			if tt.want != nil {
				assert.ErrorIs(t, err, metadata.ErrInvalid)
			}
		})
	}
}

func TestValidate_StableOrder(t *testing.T) {
	m := map[string]string{"zeta_token": "a", "alpha_secret": "b", "mid": testJWT, "": "c"}
	first := metadata.DefaultPolicy().Validate(m)
	require.Error(t, first)
	for range 20 {
		assert.Equal(t, first.Error(), metadata.DefaultPolicy().Validate(m).Error())
	}
	var ve *metadata.ValidationError
	require.ErrorAs(t, first, &ve)
	keys := []string{}
	for _, v := range ve.Violations {
		keys = append(keys, v.Key)
	}
	assert.Equal(t, []string{"", "alpha_secret", "mid", "zeta_token"}, keys)
	assert.True(t, ve.Has(metadata.RuleSensitiveKey))
	assert.False(t, ve.Has(metadata.RuleKeyTooLong))
}

func TestValidate_SensitiveKeys(t *testing.T) {
	p := metadata.DefaultPolicy()
	denied := []string{"Password", "user_password", "newPwd", "X-Api-Key", "authToken", "client.secret",
		"SSN", "credit_card", "PASSWD", "api key", "AccessKey", "private_key", "credentials", "Credential",
		"cardNumber", "CVV", "cvc", "pin", "otp", "OTPCode", "APIKey", "pass_word", "aws.secretAccessKey", "token2"}
	for _, k := range denied {
		t.Run("deny "+k, func(t *testing.T) {
			assert.Equal(t, []metadata.Rule{metadata.RuleSensitiveKey}, rules(t, p.Validate(map[string]string{k: "x"})))
		})
	}
	allowed := []string{"tokenizerVersion", "source", "ticket_id", "locale", "pinned", "spinner", "passport_country",
		"secretary", "otpless", "ssnake", "keyboard", "api", "access_level", "card_type"}
	for _, k := range allowed {
		t.Run("allow "+k, func(t *testing.T) {
			assert.NoError(t, p.Validate(map[string]string{k: "x"}))
		})
	}
}

func TestValidate_AllowedKeysSkipWordCheckOnly(t *testing.T) {
	p := metadata.DefaultPolicy()
	p.AllowedKeys = []string{"csrf_token"}
	assert.NoError(t, p.Validate(map[string]string{"CSRF_Token": "x"}))
	assert.Equal(t, []metadata.Rule{metadata.RuleSensitiveValue}, rules(t, p.Validate(map[string]string{"csrf_token": testJWT})))
	assert.Equal(t, []metadata.Rule{metadata.RuleSensitiveKey}, rules(t, p.Validate(map[string]string{"token": "x"})))
}

func TestValidate_CustomDetectorAndWords(t *testing.T) {
	p := metadata.DefaultPolicy()
	p.DeniedKeyWords = append(p.DeniedKeyWords, "dob")
	p.Detectors = append(p.Detectors, metadata.Detector{Name: "an internal ticket secret", Match: func(v string) bool {
		return strings.HasPrefix(v, "tks_")
	}})
	err := p.Validate(map[string]string{"user_dob": "1990", "ref": "tks_abc"})
	require.Error(t, err)
	assert.Equal(t, []metadata.Rule{metadata.RuleSensitiveValue, metadata.RuleSensitiveKey}, rules(t, err))
	assert.Contains(t, err.Error(), "an internal ticket secret")
	assert.NotContains(t, err.Error(), "tks_abc")
}

func TestValidate_ZeroLimitsMeanDefaults(t *testing.T) {
	p := metadata.Policy{}
	assert.Equal(t, []metadata.Rule{metadata.RuleTooManyPairs}, rules(t, p.Validate(pairs(51, 1))))
	assert.NoError(t, p.Validate(map[string]string{"password": "x"}), "no denied words set")
}

func TestValidate_HugeMapIsCheap(t *testing.T) {
	m := pairs(10000, 8)
	err := metadata.DefaultPolicy().Validate(m)
	assert.Equal(t, []metadata.Rule{metadata.RuleTooManyPairs}, rules(t, err))
}

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*metadata.Policy)
		wantErr string
	}{
		{"default", func(*metadata.Policy) {}, ""},
		{"cap exactly", func(p *metadata.Policy) { p.MaxKeyBytes, p.MaxValueBytes = metadata.MaxLength, metadata.MaxLength }, ""},
		{"key above cap", func(p *metadata.Policy) { p.MaxKeyBytes = metadata.MaxLength + 1 }, "MaxKeyBytes"},
		{"value above cap", func(p *metadata.Policy) { p.MaxValueBytes = metadata.MaxLength + 1 }, "MaxValueBytes"},
		{"negative pairs", func(p *metadata.Policy) { p.MaxPairs = -1 }, "MaxPairs is negative"},
		{"negative total", func(p *metadata.Policy) { p.MaxTotalBytes = -5 }, "MaxTotalBytes is negative"},
		{"empty word", func(p *metadata.Policy) { p.DeniedKeyWords = append(p.DeniedKeyWords, " ") }, "empty word"},
		{"detector without func", func(p *metadata.Policy) { p.Detectors = append(p.Detectors, metadata.Detector{Name: "x"}) }, "Detectors[4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := metadata.DefaultPolicy()
			tt.mutate(&p)
			err := p.Check()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, metadata.ErrPolicy)
			assert.Contains(t, err.Error(), tt.wantErr)
			// An unusable policy refuses every non-empty map with that error.
			assert.ErrorIs(t, p.Validate(map[string]string{"a": "b"}), metadata.ErrPolicy)
		})
	}
}

func TestKeyWords(t *testing.T) {
	tests := map[string][]string{
		"X-Api-Key":        {"x", "api", "key"},
		"authToken":        {"auth", "token"},
		"APIKey":           {"api", "key"},
		"newPWDHash":       {"new", "pwd", "hash"},
		"client.secret":    {"client", "secret"},
		"token2fa":         {"token", "2", "fa"},
		"tokenizerVersion": {"tokenizer", "version"},
		"SSN":              {"ssn"},
		"  ":               nil,
		"Ünïcode_Straße":   {"ünïcode", "straße"},
	}
	for in, want := range tests {
		assert.Equal(t, want, metadata.KeyWords(in), in)
	}
}

func TestErrorsNeverHoldValues(t *testing.T) {
	const marker = "MARKERVALUE"
	m := map[string]string{
		"password":                             marker,
		"note":                                 marker + strings.Repeat("x", 2000),
		"jwt":                                  testJWT + marker,
		"card":                                 "4111 1111 1111 1111 " + marker,
		"bad":                                  marker + "\xff",
		"Case":                                 marker,
		"case":                                 marker,
		"\x01ctl":                              marker,
		"akid":                                 "AKIAIOSFODNN7EXAMPLE " + marker,
		"pem":                                  "-----BEGIN RSA PRIVATE KEY-----\n" + marker,
		"too_long_" + strings.Repeat("k", 200): marker,
	}
	err := metadata.DefaultPolicy().Validate(m)
	require.Error(t, err)
	var ve *metadata.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.NotContains(t, err.Error(), marker)
	assert.NotContains(t, err.Error(), "4111")
	assert.NotContains(t, err.Error(), "AKIAIOSFODNN7EXAMPLE")
	for _, v := range ve.Violations {
		assert.NotContains(t, v.Detail, marker)
	}
	assert.Contains(t, err.Error(), "more", "long lists are cut")
	assert.True(t, errors.Is(err, metadata.ErrInvalid))
}

func pairs(n, valueLen int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m["key"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+strconv.Itoa(i)] = strings.Repeat("v", valueLen)
	}
	return m
}

// A Violation prints its key (quoted) for a rule about one pair, and only
// the rule for a rule about the whole map; never a value.
func TestViolation_String(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    metadata.Violation
		want string
	}{
		{"pair", metadata.Violation{Key: "agent", Rule: metadata.RuleValueTooLong, Detail: "300 bytes"}, `key "agent": ` + string(metadata.RuleValueTooLong) + " (300 bytes)"},
		{"whole map", metadata.Violation{Rule: metadata.RuleTooManyPairs, Detail: "51 pairs"}, string(metadata.RuleTooManyPairs) + " (51 pairs)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.v.String())
		})
	}
}
