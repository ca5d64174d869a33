// Command withmoto runs a command with moto_server running: it starts
// moto_server as the tests do (package internal/moto), sets MOTO_ENDPOINT
// for the command, and stops moto_server by PID when the command ends,
// exiting with the command's status. Without moto_server on PATH it says so
// and runs the command anyway; tests that need moto then skip. CI uses it:
//
//	go run ./internal/moto/withmoto bash .ci/run --with-moto
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/cognitoreset/cognitoreset/internal/moto"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: withmoto COMMAND [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

func run(name string, args []string) int {
	if os.Getenv("MOTO_ENDPOINT") == "" {
		endpoint, stop, err := moto.Start()
		switch {
		case errors.Is(err, moto.ErrNotInstalled):
			fmt.Fprintln(os.Stderr, "withmoto: moto_server is not on PATH: tests that need it will skip")
		case err != nil:
			fmt.Fprintln(os.Stderr, "withmoto:", err)
			return 1
		default:
			defer stop()
			os.Setenv("MOTO_ENDPOINT", endpoint)
			fmt.Fprintln(os.Stderr, "withmoto: moto_server at", endpoint)
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "withmoto:", err)
		return 1
	}
	return 0
}
