package resetpwtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// resetHandler is a caller's service: it depends on the interface.
func resetHandler(r resetpw.PasswordResetter) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		_, err := r.Reset(req.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: req.PathValue("user")})
		switch {
		case errors.Is(err, resetpw.ErrUserNotFound):
			w.WriteHeader(http.StatusNotFound)
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

// A caller's test with Mock: expect a reset, return an error of a kind.
func ExampleMock() {
	m := new(resetpwtest.Mock) // in a test: m := resetpwtest.NewMock(t)
	m.OnReset("us-west-2_aaaaaaaaa", "ghost").Return(nil, resetpwtest.Fail(resetpw.ErrUserNotFound))

	mux := http.NewServeMux()
	mux.Handle("POST /users/{user}/password-reset", resetHandler(m))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/users/ghost/password-reset", nil))
	fmt.Println(rec.Code)
	// Output: 404
}

// A caller's test that checks the ClientMetadata its code passed: a Reset
// with other metadata would match no expectation, and fail the test.
func ExampleMock_OnResetWith() {
	const pool = "us-west-2_aaaaaaaaa"
	m := new(resetpwtest.Mock) // in a test: m := resetpwtest.NewMock(t)
	m.OnResetWith(resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"agent": "alice"}}).
		Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Once()

	// The caller's code: it records the agent who asked.
	resetFor := func(r resetpw.PasswordResetter, agent, user string) (*resetpw.Result, error) {
		return r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: user, ClientMetadata: map[string]string{"agent": agent}})
	}
	res, err := resetFor(m, "alice", "diego")
	fmt.Println(res.Delivery.MaskedDestination, err)
	// Output: d***@e***.com <nil>
}

// The Fake as the API of a real Resetter, and the Server for code that
// builds its own SDK client.
func ExampleServer() {
	f := resetpwtest.NewFake()
	// The pool sends SMS through SNS with its role, and its
	// SmsConfigurationFailure says SNS's SMS sandbox holds its texts:
	// without WithSNS, that is all a Resetter knows of the sandbox.
	pool := f.AddPool(types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox"),
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}})
	_, _ = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	_, _ = f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))

	srv := resetpwtest.NewServer(f)
	defer srv.Close()
	client := srv.Client() // a real *cognitoidentityprovider.Client

	// Without the library, the SMS sandbox swallows the code in silence:
	_, err := client.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("sam")})
	fmt.Println(err, f.Deliveries()[0].Dropped)

	// With it, the reset is refused before anything is sent:
	r, _ := resetpw.New(client)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "sam"})
	fmt.Println(errors.Is(err, resetpw.ErrSMSSandbox), srv.Calls("AdminResetUserPassword"))

	res, _ := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	fmt.Println(res.Delivery.Medium, res.Delivery.MaskedDestination, f.Deliveries()[1].Destination)
	// Output:
	// <nil> true
	// true 1
	// EMAIL d***@e***.com diego@example.com
}
