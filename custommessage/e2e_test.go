package custommessage_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// TestHandle_ResetThroughTheServerDeliversTheLink sends a reset with the real
// SDK client to resetpwtest.Server, whose pool's custom message trigger is
// the Handler: the delivery holds the link to the reset page with the code
// Cognito filled in.
func TestHandle_ResetThroughTheServerDeliversTheLink(t *testing.T) {
	const arn = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	h, err := custommessage.New(config())
	require.NoError(t, err)
	srv := resetpwtest.NewServer(resetpwtest.NewFake())
	t.Cleanup(srv.Close)
	srv.Fake.SetTrigger(arn, lambda.NewHandler(h.Handle))
	c := srv.Client()

	tests := []struct {
		name    string
		contact []types.AttributeType
		link    *regexp.Regexp
	}{
		{"email", []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}},
			regexp.MustCompile(`href="(https://eu\.app\.example\.com/account/reset\?lang=en#code=[0-9]{6}&amp;username=ana%2Bx)"`)},
		{"SMS", []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+12065550100")},
			{Name: aws.String("phone_number_verified"), Value: aws.String("true")}},
			regexp.MustCompile(`^Reset your password: (https://eu\.app\.example\.com/account/reset\?lang=en#code=[0-9]{6}&username=ana%2Bx)$`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(tt.name),
				LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(arn)},
				// The trigger's email message needs the pool's own SES (R54),
				// an SMS an SMS role (R61).
				EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper},
				SmsConfiguration:   &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}})
			require.NoError(t, err)
			pool := p.UserPool.Id
			_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("ana+x"), UserAttributes: tt.contact})
			require.NoError(t, err)
			_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("ana+x"),
				Password: aws.String("P4ss!word"), Permanent: true})
			require.NoError(t, err)

			_, err = c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: pool, Username: aws.String("ana+x"),
				ClientMetadata: map[string]string{"app_origin": "https://eu.app.example.com", "ticket": "T-7"}})
			require.NoError(t, err)

			var d resetpwtest.Delivery
			for _, x := range srv.Fake.Deliveries() {
				if x.UserPoolID == aws.ToString(pool) {
					d = x
				}
			}
			m := tt.link.FindStringSubmatch(d.Message)
			require.NotNil(t, m, "the delivery holds the link: %q", d.Message)
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			frag, err := url.ParseQuery(link[strings.Index(link, "#")+1:])
			require.NoError(t, err)
			assert.Equal(t, d.Code, frag.Get("code"), "the link carries the code the user got")
			assert.Equal(t, "ana+x", frag.Get("username"))
		})
	}
}

// TestHandle_ShownValuesPassCognitosCharacterPatterns sends a reset whose
// ClientMetadata value holds characters Cognito refuses in an email (R54):
// the Fake, holding the answer to Cognito's patterns, sends it, with every
// space a space and the invisible characters gone.
func TestHandle_ShownValuesPassCognitosCharacterPatterns(t *testing.T) {
	const arn = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	c := config()
	c.ForgotPassword.EmailSubject = "Ticket {meta:ticket}"
	h, err := custommessage.New(c)
	require.NoError(t, err)
	f := resetpwtest.NewFake()
	f.SetTrigger(arn, lambda.NewHandler(h.Handle))
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(arn)},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	_, err = f.AddUser(pool, resetpwtest.User("ana", "email", "ana@example.com", "email_verified", "true"))
	require.NoError(t, err)

	// No-break space, zero-width space, narrow no-break space, soft
	// hyphen, a private-use character, an ideographic space, a byte-order
	// mark.
	_, err = f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana"),
		ClientMetadata: map[string]string{"ticket": "T\u00a0\u200b4\u202f2\u00ad\ue000\u3000x\ufeff"}})
	require.NoError(t, err, "Cognito would refuse the email")
	d := f.Deliveries()[0]
	assert.Equal(t, "Ticket T 4 2 x", d.Subject)
	assert.Contains(t, d.Message, "(ticket T 4 2 x)")
}
