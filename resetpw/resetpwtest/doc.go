// Package resetpwtest helps callers of resetpw test their own code without
// AWS, as net/http/httptest does for HTTP code. It has three test doubles:
//
//   - [Mock], a testify mock of the Resetter's Reset, Check, CheckPool and
//     Bulk (so of resetpw.PasswordResetter, and of an interface of the
//     caller's own with those methods): expect a call ([Mock.OnReset], or
//     [Mock.OnResetWith] to match the ClientMetadata too; [Mock.OnCheck],
//     [Mock.OnCheckPool]), return a Result ([Sent]) or an error of a given kind
//     ([Fail], with the Op and Fate the Resetter reports for it).
//   - [Fake], an in-memory Cognito that implements resetpw.API: pools, users,
//     aliases, recovery settings, deliveries you can read back (each with
//     its code, which [Fake.ConfirmForgotPassword] takes within the hour, on
//     the Fake's clock, as the user would), attempt limits, quotas,
//     injected faults and latency. Hand it to resetpw.New;
//     its SNS and SES ([Fake.SNS], [Fake.SES]) go to groundtruth.WithSNS and
//     groundtruth.WithSES.
//   - [Server], the Fake behind an HTTP endpoint that speaks Cognito's JSON
//     protocol, for code (or tools) that build their own SDK client.
//
// The Fake and the Server count what reached them with Calls: the Fake its
// operations' calls ([Fake.Calls]), the Server the HTTP requests
// ([Server.Calls], [Server.TotalCalls]).
//
// The Fake follows real Cognito where moto_server does not (see [Fake]);
// this module's conformance suite runs the same scenarios against the Fake,
// the Server with the real SDK client, and moto_server.
package resetpwtest
