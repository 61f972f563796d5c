package release

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// ConfigFile is the name of a project's release configuration, at its
// root: the seeds' rel/config.exs.
const ConfigFile = "gex.toml"

// Config is a project's gex.toml.
type Config struct {
	// DefaultRelease is the release node release builds when given no
	// name; "" or "default" means the first one.
	DefaultRelease string `toml:"default_release"`
	// DefaultEnv is the environment used without --env; default "dev".
	DefaultEnv string `toml:"default_env"`
	// Releases are the [[release]] tables.
	Releases []ReleaseConfig `toml:"release"`
	// Environments are the [environment.NAME] tables, overriding the
	// settings of every release built in that environment.
	Environments map[string]Settings `toml:"environment"`

	file string
}

// ReleaseConfig is one [[release]] table.
type ReleaseConfig struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	// Modules are the module directories, relative to the project root.
	Modules []string `toml:"modules"`
	// Start is the supervision tree the release starts at boot.
	Start *ChildSpec `toml:"start"`
	Settings
}

// Settings are what an environment may override.
type Settings struct {
	// Node is the node name the release runs as ("hotcode" or
	// "hotcode@host"); default the release name.
	Node string `toml:"node"`
	// SuspendTimeout bounds how long an upgrade waits for each process to
	// answer suspend, as "5s"; default 5 s.
	SuspendTimeout string `toml:"suspend_timeout"`
	// Strip builds the release binary without symbol tables (smaller).
	Strip *bool `toml:"strip"`
}

// ChildSpec is a node of the start spec: a supervisor (Children set) or a
// worker started by calling Module.Function(Args...), as OTP's {M, F, A},
// so that a restart reaches the module's current code.
type ChildSpec struct {
	ID       string      `toml:"id" json:"id"`
	Module   string      `toml:"module,omitempty" json:"module,omitempty"`
	Function string      `toml:"function,omitempty" json:"function,omitempty"`
	Args     []any       `toml:"args,omitempty" json:"args,omitempty"`
	Restart  string      `toml:"restart,omitempty" json:"restart,omitempty"`   // permanent (default), transient, temporary
	Strategy string      `toml:"strategy,omitempty" json:"strategy,omitempty"` // supervisors: one_for_one (default), one_for_all, rest_for_one
	Children []ChildSpec `toml:"children,omitempty" json:"children,omitempty"`
}

// IsSupervisor reports whether the spec is a supervisor's.
func (c *ChildSpec) IsSupervisor() bool { return c.Module == "" && c.Function == "" }

// ReadConfig reads and checks dir's gex.toml.
func ReadConfig(dir string) (*Config, error) {
	file := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: node release init writes a commented one", ErrNoConfig, dir)
	}
	if err != nil {
		return nil, err
	}
	return ParseConfig(file, data)
}

// ParseConfig parses and checks the text of a gex.toml; file names it in
// errors.
func ParseConfig(file string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		if !slices.Contains(k, "args") { // the values of args are any: tables inside are data
			unknown = append(unknown, k.String())
		}
	}
	if len(unknown) > 0 {
		return nil, &ConfigError{File: file, Msg: "unknown keys: " + strings.Join(unknown, ", ")}
	}
	c.file = file
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) check() error {
	if len(c.Releases) == 0 {
		return &ConfigError{File: c.file, Msg: "no [[release]]"}
	}
	names := map[string]bool{}
	for i, r := range c.Releases {
		switch {
		case !validName(r.Name):
			return &ConfigError{File: c.file, Msg: fmt.Sprintf("release %d: name %q: want letters, digits, _ and -", i+1, r.Name)}
		case names[r.Name]:
			return &ConfigError{File: c.file, Msg: fmt.Sprintf("release %s defined twice", r.Name)}
		case !validVersion(r.Version):
			return &ConfigError{File: c.file, Msg: fmt.Sprintf("release %s: version %q: want one such as 0.1.0", r.Name, r.Version)}
		case len(r.Modules) == 0:
			return &ConfigError{File: c.file, Msg: fmt.Sprintf("release %s: no modules", r.Name)}
		}
		names[r.Name] = true
		if r.Start != nil {
			if err := checkSpec(r.Start, true); err != nil {
				return &ConfigError{File: c.file, Msg: fmt.Sprintf("release %s: start: %v", r.Name, err)}
			}
		}
	}
	if d := c.DefaultRelease; d != "" && d != "default" && !names[d] {
		return &ConfigError{File: c.file, Msg: fmt.Sprintf("default_release %q: no such release", d)}
	}
	return nil
}

func checkSpec(c *ChildSpec, root bool) error {
	if c.ID == "" {
		return errors.New("a child without id")
	}
	switch c.Restart {
	case "", "permanent", "transient", "temporary":
	default:
		return fmt.Errorf("child %s: restart %q: want permanent, transient or temporary", c.ID, c.Restart)
	}
	if c.IsSupervisor() {
		switch c.Strategy {
		case "", "one_for_one", "one_for_all", "rest_for_one":
		default:
			return fmt.Errorf("supervisor %s: strategy %q: want one_for_one, one_for_all or rest_for_one", c.ID, c.Strategy)
		}
		ids := map[string]bool{}
		for i := range c.Children {
			if ids[c.Children[i].ID] {
				return fmt.Errorf("supervisor %s: child %s twice", c.ID, c.Children[i].ID)
			}
			ids[c.Children[i].ID] = true
			if err := checkSpec(&c.Children[i], false); err != nil {
				return err
			}
		}
		return nil
	}
	if root {
		return fmt.Errorf("the start spec %s must be a supervisor (children, no module)", c.ID)
	}
	if c.Module == "" || c.Function == "" {
		return fmt.Errorf("child %s: a worker names both module and function", c.ID)
	}
	if len(c.Children) > 0 {
		return fmt.Errorf("child %s: a worker has no children", c.ID)
	}
	return nil
}

// Release returns the release called name ("" for the default) as built
// in environment env ("" for the default), its settings overridden by the
// environment's.
func (c *Config) Release(name, env string) (*ReleaseConfig, string, error) {
	if env == "" {
		env = c.DefaultEnv
	}
	if env == "" {
		env = "dev"
	}
	if name == "" && c.DefaultRelease != "default" {
		name = c.DefaultRelease
	}
	i := 0
	if name != "" {
		i = slices.IndexFunc(c.Releases, func(r ReleaseConfig) bool { return r.Name == name })
		if i < 0 {
			return nil, "", fmt.Errorf("%w: %s has no release %q", ErrNoRelease, c.file, name)
		}
	}
	r := c.Releases[i]
	if o, ok := c.Environments[env]; ok {
		r.Settings = r.Settings.override(o)
	} else if env != "dev" && env != "prod" {
		return nil, "", &ConfigError{File: c.file, Msg: fmt.Sprintf("no [environment.%s]", env)}
	}
	if r.Node == "" {
		r.Node = r.Name
	}
	return &r, env, nil
}

func (s Settings) override(o Settings) Settings {
	if o.Node != "" {
		s.Node = o.Node
	}
	if o.SuspendTimeout != "" {
		s.SuspendTimeout = o.SuspendTimeout
	}
	if o.Strip != nil {
		s.Strip = o.Strip
	}
	return s
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validVersion accepts what can name a directory: digits, letters, dots,
// dashes, plus signs.
func validVersion(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r == '+' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
