// Command citygrid runs the city grid management platform: the server, its demo, and the
// console commands an operator needs. main only wires the process to run, which tests call.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], osGetenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
