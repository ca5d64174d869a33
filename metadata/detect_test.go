package metadata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// testJWT is a well-formed HS256 token for a made-up subject.
const testJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

func TestDetectors(t *testing.T) {
	tests := []struct {
		name string
		d    metadata.Detector
		in   string
		want bool
	}{
		{"jwt bare", metadata.JWT, testJWT, true},
		{"jwt bearer", metadata.JWT, "Bearer " + testJWT, true},
		{"jwt padded header", metadata.JWT, "eyJhbGciOiJub25lIn0=.eyJ4IjoxfQ.sig", true},
		{"jwt unsigned alg none", metadata.JWT, "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.", true},
		{"jwt header without alg", metadata.JWT, "eyJ0eXAiOiJKV1QifQ.eyJ4IjoxfQ.sig", false},
		{"jwt header not json", metadata.JWT, "aGVsbG8gd29ybGQ.eyJ4IjoxfQ.sig", false},
		{"dotted version", metadata.JWT, "v1.2.3", false},
		{"hostname", metadata.JWT, "api.example.com", false},
		{"jwt header is an array", metadata.JWT, "WyJhbGciXQ.eyJ4IjoxfQ.sig", false},

		{"akid", metadata.AWSAccessKeyID, "AKIAIOSFODNN7EXAMPLE", true},
		{"asia in text", metadata.AWSAccessKeyID, "key=ASIAY34FZKBOKMUTVV7A;", true},
		{"akid too short", metadata.AWSAccessKeyID, "AKIAIOSFODNN7EXAMPL", false},
		{"akid too long", metadata.AWSAccessKeyID, "AKIAIOSFODNN7EXAMPLEX", false},
		{"akid lower case", metadata.AWSAccessKeyID, "AKIAiosfodnn7example", false},
		{"akid glued prefix", metadata.AWSAccessKeyID, "XAKIAIOSFODNN7EXAMPLE", false},
		{"the word asia", metadata.AWSAccessKeyID, "ASIA-PACIFIC", false},

		{"pem rsa", metadata.PEMPrivateKey, "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", true},
		{"pem pkcs8", metadata.PEMPrivateKey, "x -----BEGIN PRIVATE KEY-----", true},
		{"pem openssh", metadata.PEMPrivateKey, "-----BEGIN OPENSSH PRIVATE KEY-----", true},
		{"pem encrypted", metadata.PEMPrivateKey, "-----BEGIN ENCRYPTED PRIVATE KEY-----", true},
		{"pem certificate", metadata.PEMPrivateKey, "-----BEGIN CERTIFICATE-----", false},
		{"pem public key", metadata.PEMPrivateKey, "-----BEGIN PUBLIC KEY-----", false},

		{"visa", metadata.CardNumber, "4111111111111111", true},
		{"visa spaced", metadata.CardNumber, "4111 1111 1111 1111", true},
		{"amex dashed", metadata.CardNumber, "3782-822463-10005", true},
		{"mastercard 2-series", metadata.CardNumber, "card 2223003122003222 on file", true},
		{"luhn fails", metadata.CardNumber, "4111111111111112", false},
		{"12 digits", metadata.CardNumber, "411111111119", false},
		{"20 digits", metadata.CardNumber, "41111111111111111113", false},
		{"ms timestamp", metadata.CardNumber, "1700000000007", false},
		{"double separator", metadata.CardNumber, "4111  1111 1111 1111", false},
		{"uuid digits", metadata.CardNumber, "123e4567-e89b-12d3-a456-426614174000", false},
		{"phone", metadata.CardNumber, "+1 206 555 0100", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.d.Match(tt.in))
		})
	}
}
