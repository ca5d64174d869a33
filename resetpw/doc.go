// Package resetpw makes Amazon Cognito's AdminResetUserPassword safe, typed
// and testable.
//
// The raw call is one line with the SDK and easy to get wrong: it
// invalidates the password at once, so a code that can't reach the user
// (no verified email or phone, admin_only recovery, the SNS SMS sandbox)
// locks the user out, and Cognito does not say so; the SDK's standard
// retryer retries LimitExceededException, each retry burning the user's few
// resets per hour; and errors arrive as InvalidParameterException or
// NotAuthorizedException whose meaning is only in their message.
//
// A [Resetter] wraps the call:
//
//   - it validates the pool ID, the username and the ClientMetadata before
//     anything is sent (package metadata holds the policy);
//   - it reads the pool's sign-in settings and resolves aliases that the
//     pool does not sign in with (package alias);
//   - its preflight refuses resets that would lock the user out, and says
//     where the code will go ([Result].Delivery);
//   - it retries throttling with backoff, and never retries
//     LimitExceededException or a reset whose fate is unknown;
//   - every error is an [*Error] of one kind: match it with errors.Is
//     (errors.Is(err, resetpw.ErrNoVerifiedContact)), read it with
//     errors.As, and reach the SDK's own exception through it.
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
//	default:
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
// pool per TTL, shared by concurrent resets), plus ListUsers calls for an
// email or phone number the pool does not sign in with.
package resetpw
