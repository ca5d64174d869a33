// Package sizecheck weighs the library in a program: testdata/lib resets
// one user through resetpw, testdata/sdk makes the same call with the SDK
// alone, and TestSingleResetBinarySize builds both in one run and compares
// their sizes. The packages a single reset links are the ones
// `go list -deps ./internal/sizecheck/testdata/lib` lists: no SNS or SES
// client (package groundtruth), no OpenTelemetry (package otelreset), no
// bulk code.
package sizecheck
