// Package groundtruth asks Amazon SNS and Amazon SES what Cognito's pool
// settings can't prove, so that a Resetter refuses a code they would drop
// instead of sending it.
//
// A pool's SmsConfigurationFailure is empty whenever the pool's creator
// lacked SNS permissions, so nothing in Cognito proves the account is out
// of the SNS SMS sandbox; and a pool whose EmailSendingAccount is DEVELOPER
// sends through the account's own SES, whose sandbox, paused sending and
// quota Cognito does not report (docs/cognito-rules.md, R16, R18, R19, R34,
// R35). [WithSNS] and [WithSES] are options of resetpw.New that make SNS and
// SES the ground truth; [WithEndUserMessaging] asks AWS End User Messaging
// SMS, to which SNS hands Cognito's SMS on, and whose sandbox then decides
// (R67, R69); [WithSandboxNumbers] lists numbers verified in the SMS
// sandbox when neither can be asked.
//
//	r, err := resetpw.New(cognito,
//		groundtruth.WithSNS(sns.NewFromConfig(cfg)),
//		groundtruth.WithSES(sesv2.NewFromConfig(cfg)))
//
// The SMS clients (WithSNS, WithEndUserMessaging) must be for the pool's
// SMS Region and must say which Region they are for (the SDK clients do,
// through Options; a wrapper can forward Options or have a Region() string
// method): a client for another Region, or one that does not say, is not
// asked, and the code carries resetpw.CaveatSMSSandboxUnknown, as without
// the option.
//
// The package is apart from resetpw so that a program that uses none of
// them does not link the SNS, End User Messaging and SES clients.
package groundtruth
