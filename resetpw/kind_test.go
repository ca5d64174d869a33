package resetpw_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// A Kind is an error, and prints as one: its message wherever it is
// formatted, wrapped or not; Code is the one way to its code.
func TestKind_PrintsItsMessage(t *testing.T) {
	k := resetpw.ErrUserNotFound
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"Sprint", fmt.Sprint(k), "resetpw: user not found"},
		{"%v", fmt.Sprintf("%v", k), "resetpw: user not found"},
		{"%s", fmt.Sprintf("%s", k), "resetpw: user not found"},
		{"%q", fmt.Sprintf("%q", k), `"resetpw: user not found"`},
		{"Error", k.Error(), "resetpw: user not found"},
		{"Code", k.Code(), "user_not_found"},
		{"zero", resetpw.Kind{}.Code(), ""},
		{"wrapped with %w", fmt.Errorf("x: %w", k).Error(), "x: resetpw: user not found"},
		{"an *Error wrapped with %w", fmt.Errorf("x: %w", &resetpw.Error{Kind: k, Op: resetpw.OpPreflight}).Error(), "x: resetpw: preflight: user not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
	assert.ErrorIs(t, fmt.Errorf("step: %w", k), k, "wrapping keeps errors.Is")
	for _, k := range resetpw.Kinds() {
		assert.Equal(t, k.Error(), fmt.Sprint(k))
		assert.NotEqual(t, k.Code(), k.Error())
		assert.True(t, errors.Is(&resetpw.Error{Kind: k}, k))
	}
}
