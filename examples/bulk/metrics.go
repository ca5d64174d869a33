package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cognitoreset/cognitoreset/examples/internal/promexport"
	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// withMetrics adds, with --metrics-addr, a MeterProvider whose metrics are
// served at http://ADDR/metrics while the run lasts (docs/telemetry.md), so
// that an incident run shows on the service's dashboard; stop ends the
// endpoint. Without the flag it returns ropts as they are.
func (o options) withMetrics(ropts []resetpw.Option, stderr io.Writer) (_ []resetpw.Option, stop func(), _ error) {
	if o.metricsAddr == "" {
		return ropts, func() {}, nil
	}
	l, err := promexport.Listen(o.metricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mp, shutdown, err := promexport.Serve(l)
	if err != nil {
		_ = l.Close()
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "bulk: metrics at http://%s/metrics\n", l.Addr())
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
	}
	return append(ropts, otelreset.WithTelemetry(nil, mp)), stop, nil
}
