package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// examplePool returns a Fake holding the pool of the reference page's
// example with two users.
func examplePool() *resetpwtest.Fake {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa"), AliasAttributes: []types.AliasAttributeType{"email"}})
	_, _ = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	_, _ = f.AddUser(pool, resetpwtest.User("nocontact", "email", "nc@example.com", "email_verified", "false"))
	return f
}

// A reset, with the options most services set: the code goes out, and the
// Result says where it went and what the preflight could not prove.
func ExampleResetter_Reset() {
	var client resetpw.API = examplePool() // in production: cognitoidentityprovider.NewFromConfig(cfg)
	logger := slog.New(slog.DiscardHandler)
	r, err := resetpw.New(client,
		resetpw.WithLogger(logger),                     // masked, no metadata values
		groundtruth.WithSandboxNumbers("+12065550100")) // SNS sandbox allow-list
	if err != nil {
		panic(err)
	}
	res, err := r.Reset(context.Background(), resetpw.Request{
		UserPoolID:     "us-west-2_aaaaaaaaa",
		Username:       "diego@example.com", // username, alias or sub
		ClientMetadata: map[string]string{"source": "helpdesk"},
	})
	if err != nil {
		panic(err) // a *resetpw.Error: see ExampleError
	}
	fmt.Println(res.Username, res.Input, res.Delivery.Medium, res.Delivery.MaskedDestination, res.Delivery.Sender)
	for _, c := range res.Caveats { // what the preflight could not prove
		fmt.Println("caveat", c.Code, c.Rule)
	}
	// Output:
	// diego email EMAIL d***@e***.com COGNITO_DEFAULT
	// caveat not_auto_verified R9
	// caveat cognito_default_email R20
}

func ExampleError() {
	r, _ := resetpw.New(examplePool())
	_, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "nocontact"})

	fmt.Println(errors.Is(err, resetpw.ErrNoVerifiedContact))
	var e *resetpw.Error
	if errors.As(err, &e) {
		fmt.Println(e.Op, e.Kind.Code(), e.HTTPStatus())
	}
	fmt.Println(err)
	// Output:
	// true
	// preflight no_verified_contact 422
	// resetpw: preflight: no verified contact for the code (pool us-west-2_aaaaaaaaa, user n***): no verified email or phone number qualifies under the pool's recovery settings
}

// Invalid input is the caller's fault (400) only for a field the caller
// gave; a pool ID from the service's own configuration is a 500. A failing
// ClientMetadata names its key, never its value.
func ExampleError_HTTPStatus() {
	r, _ := resetpw.New(examplePool())
	for _, req := range []resetpw.Request{
		{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego", ClientMetadata: map[string]string{"password": "hunter2"}},
		{UserPoolID: "not a pool ID", Username: "diego"},
	} {
		_, err := r.Reset(context.Background(), req)
		var e *resetpw.Error
		if errors.As(err, &e) {
			fmt.Println(e.HTTPStatus(), e.Field, e.MetadataKey)
		}
	}
	// Output:
	// 400 ClientMetadata password
	// 500 UserPoolID
}

type requestIDCtxKey struct{}

// The library logs with the caller's context; WithLogAttrs puts the
// caller's request ID on its lines.
func ExampleWithLogAttrs() {
	text := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "cognito_request_id" {
			return slog.Attr{} // for a stable output
		}
		return a
	}})
	r, _ := resetpw.New(examplePool(), resetpw.WithLogger(slog.New(text)),
		resetpw.WithLogAttrs(func(ctx context.Context) []slog.Attr {
			id, _ := ctx.Value(requestIDCtxKey{}).(string)
			return []slog.Attr{slog.String("request_id", id)}
		}))
	ctx := context.WithValue(context.Background(), requestIDCtxKey{}, "7f3a")
	_, _ = r.Reset(ctx, resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "ghost"})
	// Output:
	// level=WARN msg="password reset failed" pool=us-west-2_aaaaaaaaa user=g*** dry_run=false kind=user_not_found op=preflight error="UserNotFoundException: User does not exist." request_id=7f3a
}

func ExampleResetter_Check() {
	r, _ := resetpw.New(examplePool())
	res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	if err != nil {
		panic(err)
	}
	fmt.Println("would send by", res.Delivery.Medium, "to", res.Delivery.MaskedDestination)
	// Output: would send by EMAIL to d***@e***.com
}

// A service checks its pool once at startup and fails fast when resets
// can't work; the report also says what no reset of the pool can prove.
func ExampleResetter_CheckPool() {
	f := resetpwtest.NewFake()
	f.SetSMSSandbox(true)
	f.AddPool(types.UserPoolType{
		Id: aws.String("us-west-2_bbbbbbbbb"),
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
			{Name: "verified_email", Priority: aws.Int32(1)}, {Name: "verified_phone_number", Priority: aws.Int32(2)}}},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
	})
	r, _ := resetpw.New(f, groundtruth.WithSNS(f.SNS())) // usually sns.NewFromConfig(cfg)
	rep, err := r.CheckPool(context.Background(), "us-west-2_bbbbbbbbb")
	if err != nil || !rep.Resettable {
		panic(err)
	}
	fmt.Println(rep.RecoveryOrder, rep.EmailSender, rep.DailyEmailLimit, rep.SMSSandbox)
	for _, c := range rep.Caveats {
		fmt.Println(c.Rule, c.Code)
	}
	// Output:
	// [verified_email verified_phone_number] COGNITO_DEFAULT 50 IN_SANDBOX
	// R20 cognito_default_email
	// R19 us_origination_number
}

// A reset that goes out can still carry caveats: what the preflight could
// not prove, each naming its rule in docs/cognito-rules.md.
func ExampleResult_caveats() {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"},
		LambdaConfig: &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:sms"), LambdaVersion: "V1_0"}},
	})
	_, _ = f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
	r, _ := resetpw.New(f)
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "sam"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Delivery.Medium, res.Delivery.MaskedDestination, res.Delivery.Sender)
	for _, c := range res.Caveats {
		fmt.Println(c.Rule, c.Code)
	}
	// Output:
	// SMS +*******0100 LAMBDA
	// R12 custom_sender_trigger
}
