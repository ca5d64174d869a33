package alias_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"

	"github.com/cognitoreset/cognitoreset/alias"
)

func TestKindString(t *testing.T) {
	for k, want := range map[alias.Kind]string{
		alias.Username: "username", alias.Email: "email", alias.Phone: "phone_number",
		alias.PreferredUsername: "preferred_username", alias.Sub: "sub", alias.Kind(42): "Kind(42)",
	} {
		assert.Equal(t, want, k.String())
		if k != alias.Kind(42) {
			got, ok := alias.ParseKind(want)
			assert.True(t, ok)
			assert.Equal(t, k, got)
		}
	}
	_, ok := alias.ParseKind("nickname")
	assert.False(t, ok)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want alias.Kind
	}{
		{"8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b", alias.Sub},
		{"8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B", alias.Sub},
		{"8f14e45fceea467fa0e63b1d2c4f5a6b", alias.Username},
		{"{8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b}", alias.Username},
		{"+12065550100", alias.Phone},
		{"+1 (206) 555-0100", alias.Phone},
		{"+44.20.7946.0958", alias.Phone},
		{"+0123456", alias.Username},
		{"+1234567890123456", alias.Username},
		{"2065550100", alias.Username},
		{"+1", alias.Username},
		{"diego@example.com", alias.Email},
		{"Diego.Ramirez+tag@Example.COM", alias.Email},
		{"Diego <diego@example.com>", alias.Username},
		{"<diego@example.com>", alias.Username},
		{"diego@", alias.Username},
		{"@example.com", alias.Username},
		{"diego", alias.Username},
		{"diego@example.com ", alias.Username},
		{"", alias.Username},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, alias.Classify(tt.in))
		})
	}
}

func TestPoolConfigFrom(t *testing.T) {
	tests := []struct {
		name string
		pool *types.UserPoolType
		want alias.PoolConfig
	}{
		{"nil pool", nil, alias.PoolConfig{CaseSensitive: true}},
		{"no username configuration", &types.UserPoolType{}, alias.PoolConfig{CaseSensitive: true}},
		{"case insensitive", &types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}},
			alias.PoolConfig{CaseSensitive: false}},
		{"configuration without flag", &types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{}},
			alias.PoolConfig{CaseSensitive: true}},
		{"username attributes", &types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail, types.UsernameAttributeTypePhoneNumber}},
			alias.PoolConfig{UsernameAttributes: []alias.Kind{alias.Email, alias.Phone}, CaseSensitive: true}},
		{"alias attributes", &types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePreferredUsername, types.AliasAttributeTypeEmail, "bogus"}},
			alias.PoolConfig{AliasAttributes: []alias.Kind{alias.PreferredUsername, alias.Email}, CaseSensitive: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, alias.PoolConfigFrom(tt.pool))
		})
	}
}

func TestSignsInWith(t *testing.T) {
	plain := alias.PoolConfig{}
	byEmail := alias.PoolConfig{UsernameAttributes: []alias.Kind{alias.Email}}
	aliased := alias.PoolConfig{AliasAttributes: []alias.Kind{alias.Phone, alias.PreferredUsername}}
	tests := []struct {
		cfg  alias.PoolConfig
		k    alias.Kind
		want bool
	}{
		{plain, alias.Username, true}, {plain, alias.Sub, true}, {plain, alias.Email, false}, {plain, alias.Phone, false},
		{byEmail, alias.Email, true}, {byEmail, alias.Phone, false},
		{aliased, alias.Phone, true}, {aliased, alias.PreferredUsername, true}, {aliased, alias.Email, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.cfg.SignsInWith(tt.k), "%+v %s", tt.cfg, tt.k)
	}
}
