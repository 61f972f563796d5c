// Package cli is the node command: its command table, flags, help and
// the commands themselves, which package main runs with Run.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
)

// A command is one verb of the node command.
type command struct {
	usage   string // the synopsis: "console [DIR] [--name NAME]"
	summary string // one line, for node --help
	help    string // the rest of its help, after its flags
	run     func(e *env, args []string) int
}

// commands is every command of node, by name. Each command lives in a
// file of its own, named after it. Read only.
var commands = map[string]*command{
	"console":    consoleCmd,
	"start":      startCmd,
	"foreground": foregroundCmd,
	"attach":     attachCmd,
	"stop":       stopCmd,
	"ping":       pingCmd,
	"eval":       evalCmd,
	"pid":        pidCmd,
	"version":    versionCmd,
	"new":        newCmd,
	"release":    releaseCmd,
	"upgrade":    upgradeCmd,
	"downgrade":  downgradeCmd,
	"releases":   releasesCmd,
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command failed
	exitUsage = 2 // the command line could not be understood
	// node attach: the node stopped while attached.
	exitStopped = 3
	// node foreground: another process serves the node, or is starting it.
	exitRunning = 4
)

// env is the process a command runs in. Commands reach the outside only
// through it, so tests run them in-process with their own streams,
// environment and signals.
type env struct {
	// prog is the program the user ran, which names it in messages:
	// node, or a release binary's name; "" is node.
	prog           string
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// notify relays the given signals to c until the returned function
	// is called, as signal.Notify and signal.Stop do.
	notify func(c chan<- os.Signal, sig ...os.Signal) (stop func())
}

// progName is the name messages give the program: "node", or a release
// binary's name ("octochat"), so that bin/octochat upgrade's errors begin
// "octochat upgrade:".
func (e *env) progName() string {
	if e.prog == "" {
		return "node"
	}
	return e.prog
}

func osEnv() *env {
	return &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		notify: func(c chan<- os.Signal, sig ...os.Signal) func() {
			signal.Notify(c, sig...)
			return func() { signal.Stop(c) }
		},
	}
}

// Run runs the node command with the given arguments (os.Args[1:]) and
// returns its exit status.
func Run(args []string) int { return run(osEnv(), args) }

func run(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	case "help":
		return helpCmd(e, rest)
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "node: unknown command %q\nRun 'node --help' for the list of commands.\n", name)
		return exitUsage
	}
	return cmd.run(e, rest)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Node runs a Gex node and its console.\n\nUsage:\n\n\tnode <command> [arguments]\n\nThe commands are:\n\n")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "\t%-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, "\nExit status: 0 success, 1 failure, 2 a bad command line, 3 node attach: the node\nstopped while attached, 4 node foreground: the node is running already.\n")
	fmt.Fprint(w, "\nRun 'node help <command>' or 'node <command> --help' for more about a command.\n")
}

func helpCmd(e *env, args []string) int {
	if len(args) != 1 {
		usage(e.stdout)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "node help: unknown command %q\n", args[0])
		return exitUsage
	}
	return cmd.run(e, []string{"--help"})
}

// flags returns the flag set of a command, writing its errors to e.
// Every command takes its flags in the one style of package flag: --name
// N or --name=N.
func (c *command) flags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // parse shows the help, on stdout, when asked
	return fs
}

// printHelp writes a command's help: synopsis, summary, flags, details.
func (c *command) printHelp(w io.Writer, prog string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", prog, c.usage, c.summary)
	var opts strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&opts, "  --%s %s\n    \t%s\n", f.Name, arg, usage)
	})
	if opts.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", opts.String())
	}
	if c.help != "" {
		fmt.Fprintf(w, "\n%s", c.help)
	}
}

// parse parses args with fs, flags and operands in any order (node
// console examples/kv --name kv), and returns the operands. ok is false
// when the command should end at once with status: after --help, which
// it shows on stdout, or a bad command line, which it reports.
func (c *command) parse(e *env, fs *flag.FlagSet, args []string) (operands []string, status int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp(e.stdout, e.progName(), fs)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "Run '%s %s --help' for usage.\n", e.progName(), fs.Name())
			return nil, exitUsage, false
		}
		if fs.NArg() == 0 {
			return operands, exitOK, true
		}
		operands = append(operands, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
