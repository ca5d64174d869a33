package metadata_test

import (
	"errors"
	"fmt"

	"github.com/cognitoreset/cognitoreset/metadata"
)

func ExamplePolicy_Validate() {
	err := metadata.DefaultPolicy().Validate(map[string]string{
		"source":   "helpdesk",
		"apiKey":   "abc123",
		"referrer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
	})
	fmt.Println(errors.Is(err, metadata.ErrInvalid))
	var ve *metadata.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Println(v.Key, v.Rule)
		}
	}
	// Output:
	// true
	// apiKey sensitive_key
	// referrer sensitive_value
}

func ExampleParse() {
	m, err := metadata.Parse(`source=helpdesk, note="locked out, called in"`)
	fmt.Println(m["source"], "|", m["note"], "|", err)

	m, err = metadata.Parse(`{"source": "helpdesk"}`)
	fmt.Println(m, err)

	_, err = metadata.Parse("source=helpdesk,source=cli")
	fmt.Println(err)
	// Output:
	// helpdesk | locked out, called in | <nil>
	// map[source:helpdesk] <nil>
	// metadata: cannot parse client metadata at byte 16: duplicate key "source"
}

func ExampleFormat() {
	fmt.Println(metadata.Format(map[string]string{"note": "a,b", "source": "cli"}))
	// Output: note="a,b",source=cli
}
