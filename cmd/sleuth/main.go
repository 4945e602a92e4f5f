// Command sleuth is the one Sleuth binary: it fingerprints files today and
// grows a subcommand per capability (index, search, serve, ingest, report).
//
// Usage:
//
//	sleuth <command> [flags] [arguments]
//
// Run `sleuth help` for the list of commands and `sleuth help <command>`
// for one command's flags. This package only parses flags and wires the
// other packages together; the work happens in those packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // arguments after the flags, for the help line
	// run executes the command; it returns the process exit code.
	run func(ctx context.Context, env *env, args []string) int
}

// env is what a command may touch: its streams and the environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = []*command{fingerprintCmd, indexCmd, searchCmd, assetsCmd, serveCmd, keysCmd, creditsCmd, migrateCmd, benchCmd, versionCmd, ingestCmd, collectionsCmd, reportCmd, devnetCmd, scamCheckCmd, stolenCmd, phishingCmd}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran but some input failed
	exitUsage = 2 // bad flags or arguments
)

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if c := lookup(rest[0]); c != nil {
				return c.run(ctx, e, []string{"-h"})
			}
		}
		usage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "sleuth: unknown command %q\n\n", name)
		usage(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, rest)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Sleuth finds copies of digital art and explains every match.\n\nUsage: sleuth <command> [flags] [arguments]\n\nCommands:\n")
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'sleuth help <command>' for a command's flags.\n")
}

// newFlagSet returns a FlagSet whose usage message names the command.
func newFlagSet(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sleuth %s [flags] %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (`sleuth fingerprint a.jpg --json`), and returns
// the positional arguments. "--" ends flag parsing. A negative number that
// is not a flag's value is a positional argument (`credits add -10`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		// The next run of flags (with their values) up to a positional
		// argument, a negative number or "--".
		i := 0
		for i < len(args) && isFlag(args[i]) {
			name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
			i++
			if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) && i < len(args) {
				i++ // the flag's value, whatever it looks like
			}
		}
		if err := fs.Parse(args[:i]); err != nil {
			return nil, err
		}
		args = args[i:]
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, nil
}

// isFlag reports whether a looks like a flag: "-x" or "--x", but not "-",
// "--" or a negative number.
func isFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' || a == "--" {
		return false
	}
	c := a[1]
	return !(c >= '0' && c <= '9' || c == '.')
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parseFlags parses args for c and reports usage errors; ok is false when
// the command should exit with code.
func parseFlags(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitOK, false
	}
	if err != nil {
		return nil, exitUsage, false
	}
	return pos, 0, true
}
