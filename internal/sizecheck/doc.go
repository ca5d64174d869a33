// Package sizecheck weighs the library in a program: testdata/lib resets
// one user through resetpw, testdata/sdk makes the same call with the SDK
// alone, testdata/safe makes with the SDK alone every call a safe reset
// makes (the pool, the user, an alias lookup, the sign-out and the reset),
// and TestSingleResetBinarySize builds the three in one run and compares
// their sizes. The packages a single reset links are the ones
// `go list -deps ./internal/sizecheck/testdata/lib` lists: no SNS or SES
// client (package groundtruth), no OpenTelemetry (package otelreset), no
// bulk code.
package sizecheck
