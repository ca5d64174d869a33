// Package quota paces Cognito calls and counts the daily emails of
// Cognito's built-in email, the two budgets an AWS account shares among
// every caller.
//
// Cognito counts requests per second per account and Region in quota
// categories ([Category]; docs/cognito-rules.md, R28). A [Limiter] paces
// calls in them: [NewLocalLimiter] is an in-process one, token buckets that
// slow down when Cognito throttles; package quota/redisquota shares one
// budget among processes. Give one to resetpw.WithLimiter to pace every
// call of a Resetter, or to a bulk run's options.
//
// Cognito's built-in email sends at most [DefaultDailyEmailLimit] emails a
// day for the whole account (R20, R36). An [EmailCounter] counts the codes
// sent that way over a rolling [EmailWindow]: [NewLocalEmailCounter] in a
// process, quota/redisquota's Limiter across processes. Give one to
// resetpw.WithEmailCap.
package quota
