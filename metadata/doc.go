// Package metadata decides whether a ClientMetadata map may be sent to
// Amazon Cognito.
//
// Cognito hands ClientMetadata to Lambda triggers as it is: it does not
// store, validate or encrypt it, and AWS says not to put sensitive data in
// it. A [Policy] turns that advice into a check. [Policy.Validate] reports
// every problem with a map at once, as a [*ValidationError] that matches
// [ErrInvalid] with errors.Is:
//
//   - size limits: pairs, key bytes, value bytes and total bytes, all well
//     under the API's own cap of 131072 characters per key or value;
//   - keys that name a secret ("password", "apiKey", "X-Auth-Token", ...),
//     matched on words, not substrings, so "tokenizerVersion" passes;
//   - values that look like a secret: a JWT, an AWS access key ID, a PEM
//     private key or a payment card number, plus any [Detector] the caller
//     adds;
//   - empty keys, control characters in keys, invalid UTF-8, and keys that
//     differ only by case.
//
// No error of this package ever contains a value or any part of one.
//
// Reading --client-metadata as the AWS CLI takes it (JSON or the shorthand
// k1=v1,k2="v,2") is the CLI example's job: see
// examples/admin-reset-user-password.
package metadata
