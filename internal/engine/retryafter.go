package engine

import (
	"errors"
	"time"
)

// AttemptLimitWindow is the hint of ErrAttemptLimit: AWS allows a user
// "between 5 and 20 attempts" to request or enter a reset code "in a given
// hour", so an hour after the refusal the user's attempts are whole again
// (R74, inferred; the exact limit and window are not published).
const AttemptLimitWindow = time.Hour

// DefaultThrottleRetryAfter is the RetryAfter of ErrThrottled from an
// Engine with WithRetries' defaults: the longest wait of a fourth retry
// (R73).
func DefaultThrottleRetryAfter() time.Duration {
	return backoffCap(defaultBackoffBase, defaultBackoffMax, defaultMaxThrottleRetries)
}

// retryAfter is the RetryAfter of an *Error of op and kind built from
// cause: for ErrThrottled, the longest wait of the retry the call would have
// made next (WithRetries' backoff, R73), a lower bound without jitter, the
// same for every caller; for the reset's own ErrAttemptLimit
// (OpReset), AttemptLimitWindow (R74); 0 for every other kind and
// operation (a way out's AdminCreateUser or AdminSetUserPassword has no
// documented window), and for a throttled read that did not go through
// call (SNS, SES).
func retryAfter(op Op, kind Kind, cause error) time.Duration {
	switch kind {
	case ErrAttemptLimit:
		if op == OpReset {
			return AttemptLimitWindow
		}
	case ErrThrottled:
		var ce *callError
		if errors.As(cause, &ce) {
			return ce.retryAfter
		}
	}
	return 0
}
