// Package bulk resets, or plans the reset of, many users of Cognito with a
// resetpw.Resetter, under Cognito's quotas.
//
// [Run] takes inputs (a request, and your own Key: a line number, a
// ticket ID) and gives one [Outcome] per input, carrying its Key back.
// [Plan] does the same and sends nothing: where each code would go, or why
// the reset would be refused. [PlanPool] plans every user of a pool, page
// by page, resumable from an Outcome's PageToken. [Resettable] feeds a
// plan's resettable inputs to a run, with nothing to keep in between:
//
//	var planned []bulk.Outcome
//	_, err := bulk.Plan(ctx, r, inputs, bulk.Options{}, func(o bulk.Outcome) { planned = append(planned, o) })
//	...
//	sum, err := bulk.Run(ctx, r, bulk.Resettable(planned), bulk.Options{}, report)
//
// A run paces every call by quota category (resets at 15 a second, half of
// their quota, unless Options.Rates says otherwise; a shared limiter with
// Options.Limiter or resetpw.WithLimiter), resets each user once however
// many inputs name them (Outcome.Duplicate), keeps to the Resetter's daily
// email cap (resetpw.WithEmailCap), and stops at the first failure that is
// the account's, not the user's, giving every input read an outcome.
// Options.BeforeSend is called just before each reset is sent, with the
// username that will be sent: a journal written there survives a crash.
//
// The run calls the Resetter's stages one by one and decides between them
// itself (duplicates, its stop, the email cap, BeforeSend): a single
// Reset runs none of this package's code.
package bulk
