package resetpwtest_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestServer_SDKRoundTrip(t *testing.T) {
	srv := resetpwtest.NewServer(resetpwtest.NewFake())
	t.Cleanup(srv.Close)
	c := srv.Client()

	out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		AliasAttributes:       []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	require.NoError(t, err)
	pool := aws.ToString(out.UserPool.Id)
	assert.NotNil(t, out.UserPool.CreationDate, "timestamps survive the wire")

	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("diego"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("d@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	require.NoError(t, err)
	_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego"), Password: aws.String("P4ss!word"), Permanent: true})
	require.NoError(t, err)

	d, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool})
	require.NoError(t, err)
	assert.Equal(t, []types.AliasAttributeType{types.AliasAttributeTypeEmail}, d.UserPool.AliasAttributes)
	assert.False(t, *d.UserPool.UsernameConfiguration.CaseSensitive)

	g, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("D@Example.com")})
	require.NoError(t, err)
	assert.Equal(t, "diego", aws.ToString(g.Username))
	assert.True(t, g.Enabled)
	assert.NotNil(t, g.UserCreateDate)

	l, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`email = "d@example.com"`)})
	require.NoError(t, err)
	require.Len(t, l.Users, 1)

	_, err = c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego"),
		ClientMetadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v"}, srv.Fake.Deliveries()[0].ClientMetadata)
	assert.Equal(t, 1, srv.Calls("AdminResetUserPassword"))
	assert.Equal(t, 7, srv.TotalCalls())

	_, err = c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	_, err = c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	_, err = c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("diego"),
		UserAttributes: []types.AttributeType{{Name: aws.String("given_name"), Value: aws.String("Diego")}}})
	require.NoError(t, err)
}

func TestServer_ErrorsOnTheWire(t *testing.T) {
	srv := resetpwtest.NewServer(resetpwtest.NewFake())
	t.Cleanup(srv.Close)
	_, err := srv.Client().AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-west-2_nope"), Username: aws.String("x")})
	var rnf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &rnf)
	assert.Equal(t, "User pool us-west-2_nope does not exist.", rnf.ErrorMessage())
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 400, re.HTTPStatusCode())
	assert.Contains(t, re.ServiceRequestID(), "resetpwtest-")

	srv.Fake.FailNext("DescribeUserPool", 1, &types.InternalErrorException{Message: aws.String("boom")})
	_, err = srv.Client(func(o *cip.Options) { o.RetryMaxAttempts = 1 }).DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-west-2_nope")})
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 500, re.HTTPStatusCode())
	assert.ErrorAs(t, err, new(*types.InternalErrorException))

	raw := func(target, body string) (int, map[string]string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewBufferString(body))
		require.NoError(t, err)
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]string
		require.NoError(t, json.Unmarshal(b, &m))
		assert.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
		return resp.StatusCode, m
	}
	status, body := raw("AWSCognitoIdentityProviderService.DeleteUserPool", "{}")
	assert.Equal(t, 400, status)
	assert.Equal(t, "UnknownOperationException", body["__type"])
	assert.Contains(t, body["message"], `"DeleteUserPool"`)
	status, body = raw("AWSCognitoIdentityProviderService.AdminGetUser", "{not json")
	assert.Equal(t, 400, status)
	assert.Equal(t, "SerializationException", body["__type"])
}

func TestServer_Handler(t *testing.T) {
	srv := resetpwtest.NewServer(resetpwtest.NewFake())
	t.Cleanup(srv.Close)
	other := httptest.NewServer(srv.Handler())
	t.Cleanup(other.Close)
	c := cip.New(cip.Options{Region: "us-west-2", BaseEndpoint: aws.String(other.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	_, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p")})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls("CreateUserPool"))
}

// GET DeliveriesPath lists the Fake's deliveries, for tests in another
// process; it is not counted as a Cognito request.
func TestServer_Deliveries(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	_, err = srv.Client().AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)

	resp, err := http.Get(srv.URL + resetpwtest.DeliveriesPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var got []resetpwtest.Delivery
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got, 1)
	assert.Equal(t, "diego", got[0].Username)
	assert.Equal(t, resetpw.MediumEmail, got[0].Medium)
	assert.Equal(t, 1, srv.TotalCalls(), "only the reset was counted")
}

// The Server's doc names every operation it serves, and it serves every
// operation its doc names; it serves no SNS or SES operation.
func TestServer_DocListsEveryOperation(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "server.go", nil, parser.ParseComments)
	require.NoError(t, err)
	var doc string
	ast.Inspect(file, func(n ast.Node) bool {
		if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				if s.(*ast.TypeSpec).Name.Name == "Server" {
					doc = g.Doc.Text()
				}
			}
		}
		return true
	})
	require.NotEmpty(t, doc)

	srv := resetpwtest.NewServer(resetpwtest.NewFake())
	t.Cleanup(srv.Close)
	errorType := func(op string) string {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewBufferString("{}"))
		require.NoError(t, err)
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return resp.Header.Get("x-amzn-ErrorType")
	}
	served := []string{
		"AdminResetUserPassword", "AdminGetUser", "DescribeUserPool",
		"ListUsers", "AdminUserGlobalSignOut", "CreateUserPool",
		"AdminCreateUser", "AdminSetUserPassword", "AdminDisableUser",
		"AdminEnableUser", "AdminUpdateUserAttributes", "AdminSetUserMFAPreference",
		"CreateUserPoolClient", "ConfirmForgotPassword",
	}
	named := regexp.MustCompile(`\b[A-Z][A-Za-z]+(?:User|Users|Pool|Password|Attributes|Preference|SignOut|Client)\b`).FindAllString(doc, -1)
	assert.ElementsMatch(t, served, named, "the operations the doc names")
	for _, op := range served {
		assert.NotEqual(t, "UnknownOperationException", errorType(op), op)
	}
	for _, op := range []string{"GetSMSSandboxAccountStatus", "ListSMSSandboxPhoneNumbers",
		"ListOriginationNumbers", "GetAccount", "GetEmailIdentity", "DeleteUserPool"} {
		assert.Equal(t, "UnknownOperationException", errorType(op), op)
	}
	assert.Contains(t, doc, "no Amazon SNS or SES operation")
}
