// Package promexport serves a MeterProvider's metrics on a Prometheus
// /metrics endpoint, for the examples (the helpdesk service and the bulk
// tool): see docs/telemetry.md.
package promexport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Serve returns a MeterProvider whose metrics are served as Prometheus text
// at /metrics on l, from a registry of its own (no Go runtime or process
// collectors: the library's metrics only), and the function that stops the
// server and the provider.
func Serve(l net.Listener) (*sdkmetric.MeterProvider, func(context.Context) error, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := newServer(mux)
	go func() { _ = srv.Serve(l) }()
	stop := func(ctx context.Context) error {
		return errors.Join(srv.Shutdown(ctx), mp.Shutdown(ctx))
	}
	return mp, stop, nil
}

// newServer is the metrics endpoint's server, with the helpdesk server's
// standards (examples/helpdesk/server.go's Limits): every timeout set, and
// headers bounded. A scrape is small and quick: 10 s to read a request, 30
// s to write the answer, 20 s for an idle keep-alive connection.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       20 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// Listen listens on addr for Serve; an address with no host (":9464")
// listens on loopback, not on every interface: the endpoint needs no
// token, so it is reached from elsewhere only when addr says so
// ("0.0.0.0:9464", "10.0.0.5:9464").
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.Listen("tcp", net.JoinHostPort(host, port))
}
