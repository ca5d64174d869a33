package engine

import (
	"fmt"
	"strings"
)

// replicaPrimary returns the Region of a secondary replica's primary, or
// "". A multi-Region pool's replicas share its pool ID, whose prefix names
// the Region the pool was created in, its primary's; each replica has its
// own ARN, in its own Region (R68). So a pool whose ARN, as the Region that
// answered DescribeUserPool gave it, names another Region than its ID is a
// secondary replica. A pool whose ID or ARN can't be read is taken for a
// primary: its writes are sent, and a replica's refusal is ErrNotEnabled
// (R22).
func replicaPrimary(id, arn string) string {
	home, _, ok := strings.Cut(id, "_")
	if !ok || !regionShaped(home) {
		return ""
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "cognito-idp" || !regionShaped(parts[3]) || strings.EqualFold(parts[3], home) {
		return ""
	}
	return home
}

// regionShaped reports whether s looks like an AWS Region's name
// (us-west-2, us-gov-west-1): lower-case letters and dashes, ending in a
// dash and digits.
func regionShaped(s string) bool {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for j, c := range s {
		switch {
		case c >= 'a' && c <= 'z' && j < i, c == '-' && j <= i:
		case c >= '0' && c <= '9' && j > i:
		default:
			return false
		}
	}
	return true
}

// replicaRefusal refuses every action in a secondary replica, which takes
// no password resets and no other writes to its users (R68): they go to
// the primary, whose Region it names.
func replicaRefusal(p *poolInfo) *refusal {
	if p.primary == "" {
		return nil
	}
	return &refusal{kind: ErrNotEnabled, reason: fmt.Sprintf(
		"the pool in %s is a secondary replica, which takes no password resets or other user writes; its primary is in %s: use a Cognito client for %s", p.region, p.primary, p.primary)}
}

// ReplicaPrimary and ReplicaSecondary are a pool's replica role in
// PoolReport.Replica (R68).
const (
	ReplicaPrimary   = "PRIMARY"
	ReplicaSecondary = "SECONDARY"
)
