// Package journal is the crash-safe memory of a run that resets many users:
// a file of JSON lines that says, before each reset goes out, whom it goes
// to, and after it, what became of it, so that a run stopped by a crash, a
// kill or a signal can be resumed without sending anybody a second code (a
// second code may invalidate the first).
//
// A run writes, in this order:
//
//   - a "run" line ([Journal.Begin]): the [Format], the pool, a run ID, the
//     digest of the inputs and the preflight the run reads users with;
//   - for each input about to be sent, a "sending" line with the username
//     that goes on the wire (SentAs), synced to disk before the request
//     leaves ([Journal.Write] syncs every line);
//   - its outcome: "sent", "failed" (MaybeSent when the code may have gone
//     out anyway), "duplicate" (of the input DuplicateOf), or "unknown",
//     which a resumed run writes for a "sending" line left without an
//     outcome. A plan writes "would_send" and "would_fail".
//
// Index is the caller's key of the input (its position in its run, a line
// number); Username the input as read, SentAs the username sent. Lines hold
// what the caller puts in them: mask destinations before writing them.
//
// [Create] starts a new journal: it refuses a path that exists (a file, a
// symlink, a FIFO, a device), creates the file 0600 and syncs it and its
// directory. [Resume] continues one, and checks it whole before it changes
// anything: it refuses symlinks (O_NOFOLLOW) and anything but a regular
// file without opening it for good (a FIFO never blocks it), locks the file
// (flock: a second run on the same journal is refused while the first holds
// it), reads it with [Read]'s rules, and only then makes it 0600 and cuts
// off a last line cut short by a crash. On systems without flock, Create
// and Resume return an error; [New] journals to any writer (stdout), without
// syncing or resuming.
//
// [Read] is strict: a line longer than 64 KiB, that is not one JSON object,
// that has a field the format doesn't know, a field twice or of the wrong
// type, a status it doesn't know, a journal of another pool or format:
// each is refused, naming the line, never quoting more of the file than a
// status, pool or format, quoted (%q). What it returns, a [History], keys
// users by every name a line gives them, the username sent first of all:
//
//   - "sent": skip the user;
//   - "unknown": a reset may have gone out (a failure with MaybeSent, or an
//     "unknown" line): don't send it again unless the operator asks;
//   - "sending": a "sending" line without an outcome (a crash or a kill
//     caught the reset in flight): as "unknown", and the resumed run writes
//     the "unknown" line that says so;
//   - "": nothing was sent, or a failure that sent nothing: send.
//
// A duplicate is as sent as the input it repeats. A run that did not read
// the user (a preflight other than "full") may have sent another spelling
// of the username (an email, another case): [History.Resolve] maps those
// names to the users' own usernames before the history is trusted.
package journal
