package tutorials

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
)

// A page is a tutorial as its test reads it: the steps its fenced blocks
// show, in order. Prose is not read.
type page struct {
	name  string
	steps []step
}

// A step is one thing the reader types, with what the page says it prints.
type step struct {
	line  int      // where it is on the page, for failures
	kind  stepKind // shell command, console start or console input
	input string   // the command or the console line, without its prompt
	want  []string // the lines the page shows after it
}

type stepKind int

const (
	shellStep   stepKind = iota // "$ cmd" in a sh block
	consoleOpen                 // "$ cmd" that opens a console block
	consoleLine                 // "gex(...)N> input" in a console block
	consoleNote                 // output the open console prints by itself
)

// prompt matches a console prompt at the start of a page line: Gex's,
// or the one it shows while the input is unfinished.
var prompt = regexp.MustCompile(`^(gex\([^)]*\)\d+> |\.\.\.\(\d+\)> )`)

// skipMark before a fence keeps the block out of the test: it shows
// something the reader does not type (a file's contents, a diff).
const skipMark = "<!-- gex:skip -->"

// parsePage reads a page's fenced blocks. A block fenced ```sh holds shell
// commands, each "$ cmd" followed by its output; a block fenced ```console
// holds a console session: if its first line is "$ cmd" that command opens
// the console, else the block goes on with the console left open; each
// "gex(...)N> input" line is typed, and the lines after it are what it
// prints. Lines at the start of a block that goes on with the open console,
// before any prompt, are output that arrives by itself (a live reload's
// notice): the test waits for them. Other blocks (```go, ```toml) and skipped blocks are not run.
func parsePage(name, text string) (*page, error) {
	p := &page{name: name}
	sc := bufio.NewScanner(strings.NewReader(text))
	var (
		lineNo  int
		fence   string // the info string of the open block, "" outside
		skip    bool   // the next block is skipped
		skipped bool   // the open block is skipped
		cur     *step
		first   bool // the next line is the open block's first
	)
	flush := func() {
		if cur != nil {
			p.steps = append(p.steps, *cur)
			cur = nil
		}
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if fence == "" {
				fence = strings.TrimPrefix(trimmed, "```")
				if fence == "" {
					fence = "text"
				}
				skipped, skip, first = skip, false, true
				continue
			}
			flush()
			fence = ""
			continue
		}
		if fence == "" {
			if trimmed == skipMark {
				skip = true
			} else if trimmed != "" {
				skip = false
			}
			continue
		}
		if skipped || (fence != "sh" && fence != "console") {
			continue
		}
		isFirst := first
		first = false
		switch {
		case strings.HasPrefix(line, "$ "):
			flush()
			kind := shellStep
			if fence == "console" {
				if !isFirst {
					return nil, fmt.Errorf("%s:%d: a console block opens its console on its first line", name, lineNo)
				}
				kind = consoleOpen
			}
			cur = &step{line: lineNo, kind: kind, input: line[2:]}
		case fence == "console" && prompt.MatchString(line):
			flush()
			cur = &step{line: lineNo, kind: consoleLine, input: prompt.ReplaceAllString(line, "")}
		case cur == nil && fence == "console" && isFirst:
			cur = &step{line: lineNo, kind: consoleNote, want: []string{line}}
		case cur == nil:
			return nil, fmt.Errorf("%s:%d: output before any command: %q", name, lineNo, line)
		default:
			cur.want = append(cur.want, line)
		}
	}
	if fence != "" {
		return nil, fmt.Errorf("%s: a fenced block is not closed", name)
	}
	return p, sc.Err()
}
