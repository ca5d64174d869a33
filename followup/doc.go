// Package followup follows a run of resets through: who completed theirs,
// whose code is still valid, whose code expired, who changed otherwise, and
// a safe second code for the expired alone.
//
// A reset moves the user to RESET_REQUIRED and sends a code valid for one
// hour; the user who uses it is CONFIRMED again (docs/cognito-rules.md,
// R63 to R66). [Read] joins what the caller sent (the username sent and
// when: a journal's History.SentAt, or a Result and the time Reset
// returned) with the users' states, read at the ListUsers floor: a sweep
// of the users whose cognito:user_status is RESET_REQUIRED and one of
// those CONFIRMED, 60 a page, and reads with AdminGetUser only the users
// sent that neither sweep listed. Each user's [State]:
//
//   - [Pending]: RESET_REQUIRED, within the hour of its newest code, counted
//     from the later of the send and its UserLastModifiedDate (someone may
//     have reset the user again since);
//   - [Expired]: RESET_REQUIRED five minutes past it (for clocks that
//     disagree): the code on record expired. A code the user asked for
//     with ForgotPassword is invisible to any read of Cognito, and a
//     second code replaces it (R64, R66);
//   - [Completed]: CONFIRMED and enabled after a send on record, whatever
//     its UserLastModifiedDate (the reset moved the user to RESET_REQUIRED
//     after the send, so it left that status since; a pool may not move
//     the date, R66), which places it on the curve only; a send that may
//     never have reached Cognito ([User].MaybeSent) counts only when
//     modified after it;
//   - [Changed]: anything else (disabled, deleted, FORCE_CHANGE_PASSWORD,
//     a federated user, CONFIRMED by an older change);
//   - [NoRecord]: RESET_REQUIRED with no send on record, or none with a
//     time: with no record at all, Read reports who is in RESET_REQUIRED
//     and since when (UserLastModifiedDate).
//
// The [Report] counts users per state and per hour since the send, prints
// as a table a person reads at a glance, and records a gauge per state
// ([Report.Record]). [Resend] sends a second code to the expired users of
// a journal, and to nobody else: each one a reset with every guarantee of
// package bulk, journaled before it is sent, re-read just before it goes
// out (resetpw.Request.OnlyResetRequired), so that a crash and a resume
// send nobody two codes in one hour.
//
// With [Options].Journal, the Report also counts the users who may never
// have been reached (a timeout, a crash in flight) and those who never got
// a code (every reset failed).
//
// Memory grows with the users sent (the map given to Read), never with
// the pool: the sweeps keep no user they list. Time does grow with the
// pool: the CONFIRMED sweep lists all of its confirmed users, so a journal
// much smaller than the pool costs more ListUsers calls than users.
package followup
