package release

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors of this package wrap one of them, so callers
// test with errors.Is.
var (
	// ErrNoConfig: the project has no gex.toml.
	ErrNoConfig = errors.New("no gex.toml")
	// ErrBadConfig: gex.toml is not a valid release configuration.
	ErrBadConfig = errors.New("bad gex.toml")
	// ErrNoRelease: no release of that name or version.
	ErrNoRelease = errors.New("no such release")
	// ErrCorrupt: a tarball that is not a whole gzip'd tar, or whose
	// digest is not the one its .sha256 file gives.
	ErrCorrupt = errors.New("corrupt release tarball")
	// ErrBadManifest: a manifest that cannot be read.
	ErrBadManifest = errors.New("bad release manifest")
	// ErrBadPlan: a relup that does not parse or does not validate.
	ErrBadPlan = errors.New("bad relup")
	// ErrWrongFrom: a relup with no step from the running version.
	ErrWrongFrom = errors.New("relup does not start from the running version")
	// ErrRestartNeeded: the new release needs another node binary, so it
	// cannot be loaded hot.
	ErrRestartNeeded = errors.New("release needs a new node binary")
	// ErrBusy: an upgrade or downgrade is already running.
	ErrBusy = errors.New("an upgrade is already running")
	// ErrAborted: the upgrade failed before it committed; every process
	// runs its old code and state.
	ErrAborted = errors.New("upgrade aborted, nothing changed")
)

// PlanError is a relup line that is wrong.
type PlanError struct {
	File string // "" for a plan given as text
	Line int
	Msg  string
}

func (e *PlanError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("relup line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *PlanError) Unwrap() error { return ErrBadPlan }

// ConfigError is a problem with gex.toml.
type ConfigError struct {
	File string
	Msg  string
}

func (e *ConfigError) Error() string { return e.File + ": " + e.Msg }
func (e *ConfigError) Unwrap() error { return ErrBadConfig }
