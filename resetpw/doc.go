// Package resetpw makes Amazon Cognito's AdminResetUserPassword safe, typed
// and testable.
//
// The raw call is one line with the SDK and easy to get wrong: it
// invalidates the password at once, so a code that can't reach the user (no
// verified email or phone, admin_only recovery, an MFA setting that
// disqualifies the medium, the SNS SMS sandbox) locks the user out; a reset
// retried after a timeout or a 5xx that Cognito had already processed sends
// a second code, which invalidates the first; and errors arrive as
// InvalidParameterException or NotAuthorizedException whose meaning is only
// in their message.
//
// The rules the preflight applies, each with its AWS source and how sure it
// is, are in docs/cognito-rules.md at the root of this module.
//
// A [Resetter] wraps the call:
//
//   - it validates the pool ID, the username and the ClientMetadata before
//     anything is sent (package metadata holds the policy);
//   - it reads the pool's sign-in settings and resolves aliases that the
//     pool does not sign in with (package alias);
//   - its preflight refuses resets that would lock the user out, says where
//     the code will go and who delivers it ([Result].Delivery), and lists
//     what it could not prove ([Result].Caveats): a custom message trigger,
//     Cognito's daily email cap, an SNS sandbox state that nothing proves;
//   - [WithSNS] makes SNS the ground truth for the SMS sandbox and US
//     origination numbers, [WithSES] makes SES the ground truth for a
//     DEVELOPER pool's email (the SES sandbox, paused sending, the 24-hour
//     quota, verified identities), and [Resetter.CheckPool] reports a
//     pool's recovery settings without reading a user, for a check at
//     startup;
//   - Request.Username names the user Cognito would reset: an email or
//     phone number that is some user's username names that user, and only
//     otherwise is it looked up with ListUsers; a user found that way is
//     confirmed with AdminGetUser before anything is sent: the index is
//     eventually consistent, and a stale one must not reset the wrong user;
//   - each call makes one attempt and sends at most one HTTP request,
//     whatever the client or WithClientOptions configure (the client itself
//     is unchanged); it retries throttling with backoff, reads that fail as
//     unavailable, and resets that provably were not sent, and never
//     LimitExceededException or a reset that may have been processed;
//   - every error is an [*Error] of one kind: match it with errors.Is
//     (errors.Is(err, resetpw.ErrNoVerifiedContact)), read it with
//     errors.As, and reach the SDK's own exception through it. Its Fate,
//     recorded where the request went out, says whether the request was
//     sent, answered, or neither is known; [MaybeSent] reads it, and
//     [Error.HTTPStatus] suggests the status a service answers its own
//     caller with. Its Op, Field, Kind and Fate, like every fixed list of
//     the package (Medium, Sender, CaveatCode...), print their stable codes;
//   - it logs, with the caller's context, one line per reset or dry run
//     ([WithLogger]; Debug lines per retry besides), and [WithLogAttrs]
//     adds the caller's request-scoped attributes to its lines.
//
// Usage:
//
//	client := cognitoidentityprovider.NewFromConfig(cfg)
//	r, err := resetpw.New(client, resetpw.WithLogger(logger))
//	if err != nil { ... }
//	res, err := r.Reset(ctx, resetpw.Request{
//		UserPoolID: "us-west-2_aaaaaaaaa",
//		Username:   "diego@example.com",
//	})
//	switch {
//	case errors.Is(err, resetpw.ErrNoVerifiedContact):
//		// nothing was sent: the user has nowhere to receive a code
//	case err != nil:
//		...
//	case res.Delivery != nil: // nil unless the preflight is full
//		fmt.Println("code sent by", res.Delivery.Medium, "to", res.Delivery.Destination)
//	}
//
// [Resetter.Bulk] resets many users under Cognito's quotas. Code that
// resets passwords should depend on [PasswordResetter]; package
// resetpw/resetpwtest has a testify mock of it, an in-memory Cognito and an
// HTTP server for the SDK.
//
// # Privacy
//
// Usernames, emails and phone numbers are masked (alias.Mask) in every
// error string and log line; ClientMetadata values never appear in either.
// The fields of [*Error] keep the username whole for the caller's own use.
//
// # Costs
//
// With PreflightFull (the default), a reset costs one AdminGetUser and one
// AdminResetUserPassword once the pool is cached (one DescribeUserPool per
// pool per TTL, shared by concurrent resets). An email or phone number the
// pool does not sign in with costs the same when it is a user's username;
// when it is nobody's, one ListUsers and a second AdminGetUser (the match
// confirmed) more. With [WithSNS], a code by SMS through SNS adds two or
// three SNS reads per TTL (more for further pages); with [WithSES], a code
// by a DEVELOPER pool's email adds GetAccount and GetEmailIdentity reads,
// cached per TTL.
package resetpw
