// Package resetpw makes Amazon Cognito's AdminResetUserPassword safe, typed
// and testable: one reset ([Resetter.Reset]), its dry run
// ([Resetter.Check]), a pool's check at startup ([Resetter.CheckPool]), and
// the error model every action shares ([Kind], [Error], [Fate],
// [MaybeSent]).
//
// The raw call is one line with the SDK and easy to get wrong: it
// invalidates the password at once, so a code that can't reach the user (no
// verified email or phone, admin_only recovery, an MFA setting that
// disqualifies the medium, the SNS SMS sandbox) locks the user out; a reset
// retried after a timeout or a 5xx that Cognito had already processed sends
// a second code, which may invalidate the first; and errors arrive as
// InvalidParameterException or NotAuthorizedException whose meaning is only
// in their message. A Resetter validates, reads the user, refuses what
// would lock them out, sends once, and says where the code went:
//
//	r, err := resetpw.New(cognitoidentityprovider.NewFromConfig(cfg), resetpw.WithLogger(logger))
//	if err != nil { ... } // ErrConfig: an option is invalid
//	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego@example.com"})
//	switch {
//	case errors.Is(err, resetpw.ErrNoVerifiedContact):
//		// nothing was sent: the user has nowhere to receive a code
//	case resetpw.MaybeSent(err):
//		// a code may have gone out: do not retry blindly
//	case err != nil:
//		http.Error(w, resetpw.KindOf(err).Code(), err.(*resetpw.Error).HTTPStatus())
//	default:
//		fmt.Println("code sent by", res.Delivery.Medium, "to", res.Delivery.MaskedDestination)
//	}
//
// # Errors
//
// Every error is an [*Error] of one [Kind]: match it with errors.Is, read
// its fields with errors.As, reach the SDK's own exception through it.
// [Kind.Code] is a kind's stable code, its Error its message. Error.Op says
// which stage failed, Error.Fate what happened on the wire, and
// [Error.HTTPStatus] the status a service answers its caller with. A
// rule-by-rule account of what Cognito does, with AWS's sources, is
// docs/cognito-rules.md.
//
// # Related packages
//
// Package bulk resets or plans many users under Cognito's quotas; package
// quota paces calls and counts the daily emails of Cognito's built-in
// email, across processes with quota/redisquota; package groundtruth asks
// SNS and SES what the pool can't prove; package resetpw/resetpwtest has a
// mock of [PasswordResetter], an in-memory Cognito and an HTTP server for
// the SDK.
//
// # Privacy
//
// Usernames, emails and phone numbers are masked (alias.Mask) in every
// error string and log line, and absent from spans and metrics;
// ClientMetadata values appear nowhere. The fields of [*Error] keep the
// username whole for the caller's own use.
//
// # Costs
//
// With PreflightFull (the default), a reset costs one AdminGetUser and one
// AdminResetUserPassword once the pool is cached (one DescribeUserPool per
// pool per TTL, shared by concurrent resets). An email or phone number the
// pool does not sign in with costs the same when it is a user's username;
// when it is nobody's, one ListUsers and a second AdminGetUser more.
package resetpw
