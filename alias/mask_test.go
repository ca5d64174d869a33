package alias_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cognitoreset/cognitoreset/alias"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"diego@example.com", "d***@e***.com"},
		{"Diego.Ramirez@mail.example.co.uk", "D***@m***.uk"},
		{"d@e.com", "d***@e***.com"},
		{"diego@localhost", "d***@l***"},
		{"diego@example.c0m", "d***@e***"},
		{"+12065550100", "+*******0100"},
		{"+1 (206) 555-0100", "+*******0100"},
		{"+4420", "+****"},
		{"+1234567", "+*******"},
		{"diego", "d***"},
		{"8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b", "8***"},
		{"Ünïcode", "Ü***"},
		{"abc", "***"},
		{"ab", "***"},
		{"", "***"},
		{"***", "****"},
		{"d***", "***"},
		{"****", "***"},
		{"\x00abc", "***"},
		{"\xffabc", "***"},
		{"a@b@c.com", "a***"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, alias.Mask(tt.in))
		})
	}
}
