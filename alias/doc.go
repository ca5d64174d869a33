// Package alias reads what a caller passed as a Cognito Username and what
// the user pool makes of it.
//
// Cognito's AdminResetUserPassword takes a username, an alias (email,
// phone_number or preferred_username) or the user's sub in its Username
// field; which of those work depends on the pool's sign-in settings, and
// email and phone aliases work only once verified. This package:
//
//   - tells the [Kind] of an identifier by its shape ([Classify]);
//   - reads a pool's sign-in settings ([PoolConfigFrom]);
//   - puts an identifier in the form Cognito expects ([Normalize]);
//   - reads an email or phone number that the pool does not accept for
//     sign-in as Cognito does, as a username (AdminGetUser), and only when
//     no user has that username looks it up as an attribute, through
//     ListUsers ([Resolver]);
//   - masks identifiers for errors and logs, in Cognito's own style ([Mask]).
//
// Errors of this package never hold an identifier unmasked.
package alias
