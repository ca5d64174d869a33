package main

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestConfigFromTheEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		origin  string // ClientMetadata app_origin to try
		want    string // the SMS then sent
	}{
		{name: "no reset URL refuses to start", env: map[string]string{}, wantErr: "ResetURL"},
		{name: "a reset URL", env: map[string]string{"RESET_URL": "https://app.example.com/reset"},
			want: "Reset your password: https://app.example.com/reset#code={####}&username=ana"},
		{name: "listed origins", env: map[string]string{"RESET_URL": "https://app.example.com/reset", "APP_ORIGINS": "https://eu.app.example.com, https://us.app.example.com"},
			origin: "https://us.app.example.com", want: "Reset your password: https://us.app.example.com/reset#code={####}&username=ana"},
		{name: "an unlisted origin", env: map[string]string{"RESET_URL": "https://app.example.com/reset", "APP_ORIGINS": "https://eu.app.example.com"},
			origin: "https://evil.example", want: "Reset your password: https://app.example.com/reset#code={####}&username=ana"},
		{name: "an origin with a path refuses to start", env: map[string]string{"RESET_URL": "https://app.example.com/reset", "APP_ORIGINS": "https://eu.app.example.com/x"},
			wantErr: "write origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := custommessage.New(config(env(tt.env)))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var ev events.CognitoEventUserPoolsCustomMessage
			ev.TriggerSource, ev.UserName = "CustomMessage_ForgotPassword", "ana"
			ev.Request.CodeParameter = "{####}"
			ev.Request.ClientMetadata = map[string]string{"app_origin": tt.origin}
			out, err := h.Handle(context.Background(), ev)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Response.SMSMessage)
		})
	}
}
