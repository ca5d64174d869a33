package journal_test

import (
	"fmt"
	"strings"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
)

// Read is strict: a line it can't trust stops the resume, naming the line
// and quoting no more of the file than a status.
func ExampleRead() {
	const pool = "us-west-2_aaaaaaaaa"
	run := `{"status":"run","format":"` + journal.Format + `","pool":"` + pool + `","preflight":"full"}` + "\n"
	for _, body := range []string{
		run + `{"index":0,"username":"diego","status":"sent"}` + "\n",
		run + `{"index":0,"username":"diego","status":"failed","status":"sent"}` + "\n",
		run + `{"index":0,"username":"diego","status":"sent","password":"hunter2"}` + "\n",
		run + `{"index":0,"username":"diego","status":"\u001b[2J"}` + "\n",
		run + `{"index":0,"username":"diego","status":"sending"}` + "\n" + `{"index":0,"usern`,
	} {
		h, err := journal.Read(strings.NewReader(body), pool)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("diego: %q, last line cut short: %v\n", h.Status("diego"), h.CutShort)
	}
	// Output:
	// diego: "sent", last line cut short: false
	// line 2: not a journal line: field "status" appears twice
	// line 2: not a journal line: unknown field
	// line 2: unknown status "\x1b[2J"
	// diego: "sending", last line cut short: true
}

// A run that did not read its users (preflight "pool" or "off") journals
// the name it sent, which may be an email: Resolve asks for each user's own
// username (AdminGetUser, in a real run; sending nothing).
func ExampleHistory_Resolve() {
	const pool = "us-west-2_aaaaaaaaa"
	body := `{"status":"run","format":"` + journal.Format + `","pool":"` + pool + `","preflight":"pool"}` + "\n" +
		`{"index":0,"username":"Diego@Example.com","sent_as":"Diego@Example.com","status":"sent"}` + "\n"
	h, _ := journal.Read(strings.NewReader(body), pool)
	fmt.Printf("before: %q\n", h.Status("diego"))
	_ = h.Resolve(func(names []string) ([]string, error) {
		fmt.Println("resolving", names)
		return []string{"diego"}, nil
	})
	fmt.Printf("after: %q\n", h.Status("diego"))
	// Output:
	// before: ""
	// resolving [Diego@Example.com]
	// after: "sent"
}
