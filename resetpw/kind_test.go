package resetpw_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// A Kind prints its code wherever it is formatted or logged; only Error
// returns its text, so that it stays an errors.Is target.
func TestKind_Format(t *testing.T) {
	k := resetpw.ErrUserNotFound
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"Sprint", fmt.Sprint(k), "user_not_found"},
		{"%v", fmt.Sprintf("%v", k), "user_not_found"},
		{"%s", fmt.Sprintf("%s", k), "user_not_found"},
		{"%q", fmt.Sprintf("%q", k), `"user_not_found"`},
		{"%-16v", fmt.Sprintf("[%-16v]", k), "[user_not_found  ]"},
		{"%.4s", fmt.Sprintf("%.4s", k), "user"},
		{"%#v", fmt.Sprintf("%#v", k), `resetpw.Kind{code:"user_not_found", text:"user not found", status:404}`},
		{"%d", fmt.Sprintf("%d", k), "%!d(resetpw.Kind=user_not_found)"},
		{"String", k.String(), "user_not_found"},
		{"Error", k.Error(), "resetpw: user not found"},
		{"zero", fmt.Sprint(resetpw.Kind{}), ""},
		{"in a slice", fmt.Sprint([]resetpw.Kind{resetpw.ErrThrottled, resetpw.ErrTrigger}), "[throttled trigger]"},
		{"wrapped with %w", fmt.Errorf("step: %w", k).Error(), "step: user_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
	assert.ErrorIs(t, fmt.Errorf("step: %w", k), k, "wrapping keeps errors.Is")
	for _, k := range resetpw.Kinds() {
		assert.Equal(t, k.Code(), fmt.Sprint(k))
		assert.Equal(t, k.Code(), fmt.Sprintf("%s", k))
		assert.NotEqual(t, k.Code(), k.Error())
	}
}

// In slog a Kind is its code, with any handler and as slog.Any.
func TestKind_LogValue(t *testing.T) {
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
		want string
	}{
		{"JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }, `"kind":"sms_sandbox"`},
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }, `kind=sms_sandbox`},
	} {
		t.Run(h.name, func(t *testing.T) {
			var b bytes.Buffer
			slog.New(h.new(&b)).Info("x", slog.Any("kind", resetpw.ErrSMSSandbox), "bare", resetpw.ErrSMSSandbox)
			assert.Contains(t, b.String(), h.want)
			assert.NotContains(t, b.String(), "would drop", "not the text")
		})
	}
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "kind", resetpw.ErrSMSSandbox)
	var line map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &line))
	assert.Equal(t, "sms_sandbox", line["kind"])
	assert.Equal(t, slog.StringValue("sms_sandbox"), resetpw.ErrSMSSandbox.LogValue())
	assert.True(t, errors.Is(&resetpw.Error{Kind: resetpw.ErrSMSSandbox}, resetpw.ErrSMSSandbox))
}
