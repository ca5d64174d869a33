package metadata_test

import (
	"testing"

	"github.com/cognitoreset/cognitoreset/metadata"
)

func BenchmarkValidate(b *testing.B) {
	m := map[string]string{
		"source": "helpdesk", "locale": "en-US", "ticket_id": "INC-48213", "channel": "phone",
		"agent": "agent-0042", "reason": "user locked out after travel", "tenant": "acme-eu-1",
		"app_version": "4.12.0", "region": "eu-west-1", "requested_at": "2026-11-28T03:55:48Z",
	}
	p := metadata.DefaultPolicy()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Validate(m); err != nil {
			b.Fatal(err)
		}
	}
}
