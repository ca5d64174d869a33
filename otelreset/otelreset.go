// Package otelreset traces and measures a Resetter with OpenTelemetry: one
// span for each Reset, Check, CheckPool and bulk run, and the metrics of
// docs/telemetry.md (resets, Cognito calls, retries, limiter waits, bulk
// inputs), through OpenTelemetry's trace and metric API only.
//
//	r, err := resetpw.New(client, otelreset.WithTelemetry(tp, mp))
//
// Without this option a Resetter records nothing, at no cost; the package
// is apart from resetpw so that a program that never asks for telemetry
// links no OpenTelemetry code. Spans and metrics carry codes only: never a
// username, an email, a phone number or a metadata value.
package otelreset

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/otelobs"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// WithTelemetry sets the OpenTelemetry providers of the Resetter's spans
// and metrics, whose instruments resetpw.New creates once. A nil provider
// changes nothing (WithTelemetry(tp, nil) sets spans alone); the global
// providers are not followed.
func WithTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) resetpw.Option {
	var tpAny, mpAny any // a nil interface stays nil: it changes nothing
	if tp != nil {
		tpAny = tp
	}
	if mp != nil {
		mpAny = mp
	}
	providers := engine.WithProviders(tpAny, mpAny)
	observer := engine.WithObserver(otelobs.New)
	return func(c *engine.Config) error {
		if err := providers(c); err != nil {
			return err
		}
		return observer(c)
	}
}
