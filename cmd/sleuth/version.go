package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCmd = &command{
	name:    "version",
	summary: "Print the version, commit and Go version of this binary.",
}

func init() { versionCmd.run = runVersion }

func runVersion(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, versionCmd)
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintln(e.stdout, versionString())
	return exitOK
}

// versionString describes the build from the information the Go toolchain
// embeds: module version, VCS revision and time, Go version.
func versionString() string {
	version, rev, modified, when := "(devel)", "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			case "vcs.time":
				when = s.Value
			}
		}
	}
	out := "sleuth " + version
	if rev != "" {
		out += " commit " + rev[:min(12, len(rev))]
		if modified {
			out += "+dirty"
		}
		if when != "" {
			out += " " + when
		}
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
