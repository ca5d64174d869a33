// Command coldstart measures the custommessage example against a plain
// lambda.Start program answering the same event: each binary's size, and
// its cold start, from process start to the first answered event on the
// runtime API emulated on loopback (package lambdaapi), median of -n runs.
//
//	go run ./internal/lambdaapi/coldstart -n 20
//
// Run it from the examples module's root. It prints wall-clock figures of
// this machine: compare the two programs, not the numbers across machines.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/cognitoreset/cognitoreset/examples/internal/lambdaapi"
)

func main() {
	n := flag.Int("n", 20, "runs per program")
	flag.Parse()
	event, err := os.ReadFile("../custommessage/testdata/forgot-password.json")
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	fmt.Printf("%-34s %12s %14s\n", "program", "size (bytes)", "cold start")
	for _, p := range []struct{ name, pkg string }{
		{"plain lambda.Start", "./internal/lambdaapi/plain"},
		{"examples/custommessage", "./custommessage"},
	} {
		for _, flags := range [][]string{nil, {"-tags", "lambda.norpc", "-ldflags", "-s -w"}} {
			bin := filepath.Join(dir, filepath.Base(p.pkg))
			args := append(append([]string{"build", "-o", bin}, flags...), p.pkg)
			if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
				log.Fatalf("go %v: %v\n%s", args, err, out)
			}
			st, err := os.Stat(bin)
			if err != nil {
				log.Fatal(err)
			}
			var runs []time.Duration
			for range *n {
				d, err := coldStart(bin, event)
				if err != nil {
					log.Fatal(err)
				}
				runs = append(runs, d)
			}
			slices.Sort(runs)
			name := p.name
			if flags != nil {
				name += " (norpc, -s -w)"
			}
			fmt.Printf("%-34s %12d %14s\n", name, st.Size(), runs[len(runs)/2].Round(10*time.Microsecond))
		}
	}
}

// coldStart starts bin against a new runtime API holding event and returns
// the time from the process's start to its answer.
func coldStart(bin string, event []byte) (time.Duration, error) {
	api, err := lambdaapi.Start()
	if err != nil {
		return 0, err
	}
	defer api.Close()
	api.Queue(event)
	cmd := exec.Command(bin)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + api.Addr, "RESET_URL=https://app.example.com/reset", "PATH=" + os.Getenv("PATH")}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case a := <-api.Answers:
		if a.Error {
			return 0, fmt.Errorf("%s answered an error: %s", bin, a.Body)
		}
		return time.Since(start), nil
	case <-time.After(30 * time.Second):
		return 0, fmt.Errorf("%s: no answer", bin)
	}
}
