//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package journal_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
)

// A run journals each reset before and after it is sent; killed in the
// middle, it is resumed from its journal, and nobody gets a second code.
func Example() {
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.jsonl")
	const pool = "us-west-2_aaaaaaaaa"

	// The first run: diego's reset is sent; maria's is in flight when the
	// process is killed.
	j, err := journal.Create(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	inputs := []string{"diego@example.com", "maria", "sam"}
	_ = j.Begin(pool, inputs, "full")
	_ = j.Write(journal.Line{Index: 0, Username: inputs[0], SentAs: "diego", Status: "sending"})
	_ = j.Write(journal.Line{Index: 0, Username: inputs[0], SentAs: "diego", Status: "sent", Medium: "EMAIL", Destination: "d***@e***.com"})
	_ = j.Write(journal.Line{Index: 1, Username: inputs[1], SentAs: "maria", Status: "sending"})
	_ = j.Close() // as the kill would

	// The resumed run.
	j, h, err := journal.Resume(path, pool)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	for i, in := range []string{"diego", "maria", "sam"} {
		switch h.Status(in) {
		case "sent":
			fmt.Println(in, "was sent: skip")
		case "sending":
			fmt.Println(in, "may have been sent: record it, don't send")
			_ = j.Write(journal.Line{Index: i, Username: in, Status: "unknown", MaybeSent: true})
		case "unknown":
			fmt.Println(in, "may have been sent: don't send")
		default:
			fmt.Println(in, "was not sent: send")
		}
	}
	// Output:
	// diego was sent: skip
	// maria may have been sent: record it, don't send
	// sam was not sent: send
}
