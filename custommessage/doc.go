// Package custommessage is an Amazon Cognito custom message trigger that
// sends a link to the app's reset page instead of a code to type.
//
// Cognito never hands the code to the caller of AdminResetUserPassword or
// ForgotPassword: it invokes the pool's custom message Lambda with a
// placeholder for the code (request.codeParameter, "{####}") and replaces
// the placeholder in the message the function returns (docs/cognito-rules.md,
// R50 to R60). A [Handler] builds that message from the deployer's
// [Templates] for the two trigger sources of a reset and an invitation,
// CustomMessage_ForgotPassword and CustomMessage_AdminCreateUser, and leaves
// every other trigger source as Cognito sent it:
//
//	h, err := custommessage.New(custommessage.Config{
//		ResetURL: "https://app.example.com/reset",
//		ForgotPassword: custommessage.Templates{
//			EmailSubject: "Reset your password",
//			EmailHTML:    `<p><a href="{link}">Choose a new password</a></p>`,
//			SMS:          "Reset your password: {link}",
//		},
//	})
//	...
//	lambda.Start(h.Handle)
//
// # Templates
//
// A template is the deployer's text with these slots:
//
//   - {link}: the link to the reset page (below);
//   - {####}: the code, as Cognito fills it in (request.codeParameter);
//     for an invitation, the temporary password, filled in raw, which an
//     invitation's template must not follow with '.' or ',' (R53);
//   - {username}: the username, as Cognito fills it in
//     (request.usernameParameter) for an invitation, which must carry it
//     (R53); for a reset, the event's userName, escaped by the handler;
//   - {meta:KEY}: the value of ClientMetadata KEY. A template naming KEY is
//     how the deployer allows it to be shown: no other value ever is. It is
//     escaped for where it goes (HTML in an email body, plain text without
//     control characters in a subject or an SMS) and cut to keep the
//     message within Cognito's limits. A value shown is text: it can add
//     no markup, no line and no placeholder, but it may spell a URL that a
//     mail client or a phone shows as a link. Show only values your own
//     server sets: anyone can call ForgotPassword, with the ClientMetadata
//     they like (R56).
//
// Any other brace is text, but not one that touches a slot ("{{link}",
// "{username}}"), which could spell a placeholder around a value. EmailHTML
// is HTML written by the deployer and sent as is around its slots; put
// {link} in a quoted attribute or in text, never in a script or a style.
// New refuses {meta:KEY} and {username} inside a tag (an attribute's value
// included), a script or a style: escaped or not, a value there could be a
// link or an attribute of the attacker's choosing. Show them as text
// between tags. EmailText, used when EmailHTML is empty, is plain text: the
// handler escapes it whole and keeps its line breaks. Cognito sends one
// email body, which mail clients show as HTML (R55): there is no separate
// text part to fill.
//
// Cognito takes a trigger's email (EmailSubject, EmailHTML, EmailText) only
// from a pool that sends email through Amazon SES, EmailSendingAccount
// DEVELOPER (R54): on a pool with Cognito's built-in email, leave them
// empty, and the handler writes the SMS only.
//
// Cognito refuses an email whose body or subject holds a character other
// than a letter, a mark, a symbol, a number, punctuation or ASCII white
// space (R54): New refuses such a template (a no-break space or a
// zero-width space pasted from an editor), and a value shown has its other
// spaces written as U+0020 and its invisible characters removed.
//
// # The link
//
// The link is ResetURL with a fragment:
//
//	https://app.example.com/reset#code={####}&username=alice%40example.com
//
// The code travels in the fragment, which the browser keeps to itself: it
// is not sent to the server that serves the page, so it reaches no access
// log, no proxy, no CDN and no Referer header of a request the page makes,
// while the page's script reads it (location.hash) and calls
// ConfirmForgotPassword. The username is query-escaped by the handler (its
// value comes from the event, not from Cognito's {username}, which Cognito
// would fill in raw); the code needs no escape, being digits (R52). An
// invitation's link carries the username only: a temporary password may
// hold any symbol (&, #, %) and has no place in a URL, so its messages show
// it with {####} in their text.
//
// The link's scheme, host, port and path come from the configuration only.
// A deployer that serves several apps names one ClientMetadata key
// (OriginKey) whose value may choose among the Origins listed; any other
// value, or none, leaves ResetURL's origin. The value is compared as a
// whole string with the list, never parsed, so no spelling of a URL can
// reach another host, scheme or path.
//
// # Before sending
//
// The service that sends the reset can check, before sending, that its
// ClientMetadata gives the messages what they show: given a Handler built
// with the function's settings, resetpw.WithCustomMessage runs
// [Handler.CheckMetadata] for the pools whose trigger is the function, and
// refuses as invalid input, with nothing sent, a reset that lacks a key a
// template shows or names an origin not listed (R60):
//
//	h, err := custommessage.New(cfg) // the function's own settings
//	...
//	r, err := resetpw.New(client, resetpw.WithCustomMessage(
//		"arn:aws:lambda:us-west-2:123456789012:function:reset-link", h.CheckMetadata))
//
// # Limits
//
// Messages are kept within Cognito's limits (R54): an SMS of at most 140
// characters, a subject of 140, an email body of 20,000, the code
// placeholder present. ClientMetadata values are cut to fit, so that the
// work is bounded by the limits whatever their size; a message whose fixed
// part doesn't fit (a long username in an SMS link) is not written. A
// message not written (that one, one without a template, every message of
// another trigger source) goes back null, never "": Cognito then sends its
// own message with the code rather than refusing an empty one (R58). That
// is why [Handler.Handle] answers an [Event], whose JSON says null where
// the events package's type would say "". The handler never fails: a
// failing trigger fails the user's reset (R57).
package custommessage
