package resetpw_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Request.OnlyResetRequired sends a second code only to a user still in
// RESET_REQUIRED when read just before the send, under every preflight
// that reads the user, and refuses PreflightOff, which reads nobody.
func TestReset_OnlyResetRequiredSendsOnlyToAUserStillResetRequired(t *testing.T) {
	for name, tc := range map[string]struct {
		status    types.UserStatusType
		enabled   bool
		preflight resetpw.Preflight
		want      resetpw.Kind // the zero Kind: sent
	}{
		"reset required, full":     {types.UserStatusTypeResetRequired, true, resetpw.PreflightFull, resetpw.Kind{}},
		"reset required, pool":     {types.UserStatusTypeResetRequired, true, resetpw.PreflightPool, resetpw.Kind{}},
		"completed, full":          {types.UserStatusTypeConfirmed, true, resetpw.PreflightFull, resetpw.ErrUserState},
		"completed, pool":          {types.UserStatusTypeConfirmed, true, resetpw.PreflightPool, resetpw.ErrUserState},
		"force change, full":       {types.UserStatusTypeForceChangePassword, true, resetpw.PreflightFull, resetpw.ErrUserState},
		"disabled, full":           {types.UserStatusTypeResetRequired, false, resetpw.PreflightFull, resetpw.ErrUserDisabled},
		"off reads nobody: config": {types.UserStatusTypeResetRequired, true, resetpw.PreflightOff, resetpw.ErrConfig},
	} {
		t.Run(name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
			u.UserStatus, u.Enabled = tc.status, tc.enabled
			_, err := f.AddUser(pool, u)
			require.NoError(t, err)
			r, err := resetpw.New(f, resetpw.WithPreflight(tc.preflight))
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego", OnlyResetRequired: true})
			if tc.want == (resetpw.Kind{}) {
				require.NoError(t, err)
				assert.Len(t, f.Deliveries(), 1)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, resetpw.KindOf(err))
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.FateNotSent, e.Fate)
			assert.Empty(t, f.Deliveries())
			assert.Zero(t, f.Calls(resetpwtest.Operation("AdminResetUserPassword")))
			assert.NotContains(t, err.Error(), "diego@example.com")
		})
	}
}
