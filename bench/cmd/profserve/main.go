// Command profserve is `gojoser serve` with net/http/pprof on a second address, for profiling gojoser
// under the load bench/cmd/bench generates (its -profile flag uses this). It wires the server through
// internal/app exactly as cmd/gojoser does and reads the same GOJOSER_* settings.
//
//	go run ./bench/cmd/profserve -pprof 127.0.0.1:6060
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
)

func main() {
	addr := flag.String("pprof", "127.0.0.1:6060", "address for /debug/pprof/")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
}

func run(pprofAddr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log, flush := app.NewLogger(cfg, os.Stderr)
	defer flush()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(pprofAddr, mux); err != nil {
			fmt.Fprintln(os.Stderr, "profserve: pprof:", err)
		}
	}()
	return a.Serve(ctx)
}
