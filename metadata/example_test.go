package metadata_test

import (
	"errors"
	"fmt"
	"strings"

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

// A stricter policy built on the defaults: one more denied key word, and a
// detector of the service's own tokens.
func ExamplePolicy() {
	p := metadata.DefaultPolicy()
	p.DeniedKeyWords = append(p.DeniedKeyWords, "dob")
	p.Detectors = append(p.Detectors, metadata.Detector{Name: "an internal token", Match: func(v string) bool {
		return strings.HasPrefix(v, "itk_")
	}})
	if err := p.Check(); err != nil {
		panic(err)
	}
	err := p.Validate(map[string]string{"user_dob": "1990-01-01", "note": "itk_123", "source": "helpdesk"})
	var ve *metadata.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Println(v.Key, v.Rule)
		}
	}
	fmt.Println(len(metadata.DefaultDeniedKeyWords()) > 0, len(metadata.DefaultDetectors()), metadata.KeyWords("userDOB"))
	// Output:
	// note sensitive_value
	// user_dob sensitive_key
	// true 4 [user dob]
}

// The detectors of DefaultDetectors, one by one.
func ExampleDetector() {
	for _, d := range []metadata.Detector{metadata.JWT, metadata.AWSAccessKeyID, metadata.PEMPrivateKey, metadata.CardNumber} {
		fmt.Println(d.Name, d.Match("4111 1111 1111 1111"))
	}
	// Output:
	// a JWT false
	// an AWS access key ID false
	// a PEM private key false
	// a payment card number true
}
