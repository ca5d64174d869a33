package custommessage_test

import (
	"regexp"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// TestCheckMetadata_TheResetterRefusesBeforeSending resets through a
// Resetter told about the trigger (resetpw.WithCustomMessage with the
// Handler's CheckMetadata), over the real SDK client to resetpwtest.Server,
// whose pools run the Handler (Fake.SetTrigger): a reset whose
// ClientMetadata the messages need is sent and delivers the link with the
// code, with no caveat about the trigger; one that lacks a key or names an
// origin not listed is refused as invalid input with nothing sent; a pool
// whose trigger is another function is sent with the generic caveat.
func TestCheckMetadata_TheResetterRefusesBeforeSending(t *testing.T) {
	const arn = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	const other = "arn:aws:lambda:us-west-2:123456789012:function:another-message"
	h, err := custommessage.New(config())
	require.NoError(t, err)
	link := regexp.MustCompile(`href="https://eu\.app\.example\.com/account/reset\?lang=en#code=([0-9]{6})&amp;username=ana%2Bx"`)

	tests := []struct {
		name     string
		trigger  string
		metadata map[string]string
		key      string // the MetadataKey of the refusal; "" when sent
		caveat   bool
	}{
		{name: "what the messages show", trigger: arn,
			metadata: map[string]string{"ticket": "T-7", "app_origin": "https://eu.app.example.com"}},
		{name: "a shown key missing", trigger: arn,
			metadata: map[string]string{"app_origin": "https://eu.app.example.com"}, key: "ticket"},
		{name: "an origin not listed", trigger: arn,
			metadata: map[string]string{"ticket": "T-7", "app_origin": "https://evil.example"}, key: "app_origin"},
		{name: "another trigger: sent, with the generic caveat", trigger: other,
			metadata: map[string]string{"app_origin": "https://eu.app.example.com"}, caveat: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := resetpwtest.NewServer(resetpwtest.NewFake())
			t.Cleanup(srv.Close)
			srv.Fake.SetTrigger(arn, lambda.NewHandler(h.Handle))
			srv.Fake.SetTrigger(other, lambda.NewHandler(h.Handle))
			c := srv.Client()
			p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("app"),
				LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(tt.trigger)},
				// The trigger's email message needs the pool's own SES (R54).
				EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
			require.NoError(t, err)
			pool := aws.ToString(p.UserPool.Id)
			_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("ana+x"),
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana@example.com")},
					{Name: aws.String("email_verified"), Value: aws.String("true")}}})
			require.NoError(t, err)
			_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana+x"),
				Password: aws.String("P4ss!word"), Permanent: true})
			require.NoError(t, err)

			r, err := resetpw.New(c, resetpw.WithCustomMessage(arn, h.CheckMetadata))
			require.NoError(t, err)
			res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "ana+x", ClientMetadata: tt.metadata})

			if tt.key != "" {
				var e *resetpw.Error
				require.ErrorAs(t, err, &e)
				assert.ErrorIs(t, err, resetpw.ErrInvalidInput)
				assert.Equal(t, resetpw.OpValidate, e.Op)
				assert.Equal(t, "ClientMetadata", e.Field)
				assert.Equal(t, tt.key, e.MetadataKey)
				var ve *metadata.ValidationError
				assert.ErrorAs(t, err, &ve, "the Handler's own error is the cause")
				assert.NotContains(t, err.Error(), "evil.example", "values are never printed")
				assert.Zero(t, srv.Calls("AdminResetUserPassword"), "nothing was sent")
				assert.Empty(t, srv.Fake.Deliveries())
				return
			}
			require.NoError(t, err)
			var codes []resetpw.CaveatCode
			for _, cv := range res.Caveats {
				codes = append(codes, cv.Code)
			}
			if tt.caveat {
				assert.Contains(t, codes, resetpw.CaveatCustomMessage)
				return
			}
			assert.NotContains(t, codes, resetpw.CaveatCustomMessage, "the Resetter knows the trigger it was told about")
			ds := srv.Fake.Deliveries()
			require.Len(t, ds, 1)
			m := link.FindStringSubmatch(ds[0].Message)
			require.NotNil(t, m, "the delivery holds the link: %q", ds[0].Message)
			assert.Equal(t, ds[0].Code, m[1], "the link carries the code the user got")
			assert.Contains(t, ds[0].Message, "(ticket T-7)")
		})
	}
}
