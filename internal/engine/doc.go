// Package engine carries every recovery action through the same explicit
// stages, so that a new action is a value, not a branch:
//
//  1. validate: the pool ID, the username, the ClientMetadata (Attempt.Prepare);
//  2. read Username as Cognito does (package alias);
//  3. read the pool and the user, and run the action's preflight;
//  4. reserve: the Limiter's turn and the daily email cap (Attempt.Reserve);
//  5. send ONE request through the wire, its fate recorded (Attempt.Send);
//  6. done: log, trace, count (Engine.Done, the Observer).
//
// resetpw.Resetter runs them in a row for one reset; package bulk calls
// them one by one and decides between them as their caller (duplicates,
// its stop, the email cap, BeforeSend). The engine's values (Error,
// Result...) are converted to resetpw's where they leave it; bridge.go
// holds the conversions resetpw installs.
package engine
