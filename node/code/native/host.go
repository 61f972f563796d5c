package native

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Host is the build a plugin must match: the running binary's by default,
// or another's (Options.Host) — a release builds its plugins for the
// bin/<name> it ships, which HostOf reads.
type Host struct {
	Flags []string // go build flags: -race, -tags, -trimpath, -gcflags, ...
	Env   []string // KEY=value: GOAMD64, GOEXPERIMENT, CGO_*, ...
	Cgo   bool     // linked with cgo, which loading plugins needs
	ID    string   // the binary's Go build ID (or a hash of it): part of the cache key
	Mod   string   // its main module's path
	Go    string   // the toolchain that built it: runtime.Version() of the binary
}

// ThisHost is the build of the running binary: what a plugin loaded here
// must have been built for (a release matches its plugins by Host.ID).
func ThisHost() Host { return thisHost() }

var thisHost = sync.OnceValue(readHost)

// HostOf reads the build of the Go binary at path, for Options.Host.
func HostOf(path string) (Host, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return Host{}, err
	}
	return hostFrom(bi, fileID(path)), nil
}

// hostFlags are the build settings (runtime/debug.BuildSetting keys) that
// change how shared packages are compiled, passed on as flags.
var hostFlags = map[string]bool{
	"-race": true, "-msan": true, "-asan": true, "-trimpath": true,
	"-tags": false, "-gcflags": false, "-asmflags": false,
}

// hostEnv are the settings passed on as environment variables.
var hostEnv = map[string]bool{
	"CGO_CFLAGS": true, "CGO_CPPFLAGS": true, "CGO_CXXFLAGS": true, "CGO_LDFLAGS": true,
	"GOARCH": true, "GOOS": true, "GOEXPERIMENT": true, "GOFIPS140": true,
	"GOAMD64": true, "GOARM": true, "GOARM64": true, "GO386": true, "GOMIPS": true,
	"GOMIPS64": true, "GOPPC64": true, "GORISCV64": true, "GOWASM": true,
}

// readHost reads the running binary's build information.
func readHost() Host {
	bi, _ := debug.ReadBuildInfo()
	id := "unknown"
	if exe, err := os.Executable(); err == nil {
		id = fileID(exe)
	}
	return hostFrom(bi, id)
}

// hostFrom reads the settings of a build that plugins must share.
func hostFrom(bi *debug.BuildInfo, id string) Host {
	h := Host{ID: id, Go: runtime.Version()}
	if bi == nil {
		return h
	}
	h.Mod, h.Go = bi.Main.Path, bi.GoVersion
	for _, s := range bi.Settings {
		switch boolean, isFlag := hostFlags[s.Key]; {
		case isFlag && boolean:
			if s.Value == "true" {
				h.Flags = append(h.Flags, s.Key)
			}
		case isFlag:
			h.Flags = append(h.Flags, s.Key+"="+s.Value)
		case hostEnv[s.Key] && s.Value != "": // empty: the go command's default
			h.Env = append(h.Env, s.Key+"="+s.Value)
		case s.Key == "CGO_ENABLED":
			h.Cgo = s.Value == "1"
		}
	}
	return h
}

// key is the cache key of a plugin of src built for h: everything a
// plugin must share with the host, and the source.
func (h Host) key(moduleDir string, src Source) string {
	sum := sha256.New()
	for _, s := range []string{h.Go, h.ID, h.Mod, moduleDir, strings.Join(h.Flags, " "), strings.Join(h.Env, " "), src.Name} {
		io.WriteString(sum, s)
		sum.Write([]byte{0})
	}
	for _, ipath := range sortedKeys(src.Modules) {
		io.WriteString(sum, ipath)
		sum.Write([]byte{0})
		sum.Write(stubPackage(src.Modules[ipath]))
	}
	for _, f := range src.Files {
		io.WriteString(sum, f.Name)
		sum.Write([]byte{0})
		sum.Write(f.Data)
		sum.Write([]byte{0})
	}
	return src.Name + "-" + hex.EncodeToString(sum.Sum(nil))[:20]
}

// buildIDMarker starts the Go build ID the linker writes near the start of
// every executable it links (what go tool buildid reads).
var buildIDMarker = []byte("\xff Go build ID: \"")

// fileID identifies the Go binary at path: its Go build ID, which changes
// whenever any package linked into it does, or else a hash of the whole
// file.
func fileID(path string) string {
	if id := elfBuildID(path); id != "" {
		return id
	}
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if i := bytes.Index(head, buildIDMarker); i >= 0 {
		rest := head[i+len(buildIDMarker):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return string(rest[:j])
		}
	}
	sum := sha256.New()
	sum.Write(head)
	io.Copy(sum, f)
	return hex.EncodeToString(sum.Sum(nil))
}

// elfBuildID reads the Go build ID from the ELF note the linker writes
// (.note.go.buildid), wherever the external linker placed it, or "".
func elfBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil || len(data) < 12 {
		return ""
	}
	// namesz, descsz, type, then the name ("Go\x00\x00") and the ID,
	// each padded to 4 bytes.
	namesz, descsz := f.ByteOrder.Uint32(data[0:]), f.ByteOrder.Uint32(data[4:])
	off := 12 + (uint64(namesz)+3)&^3
	if off+uint64(descsz) > uint64(len(data)) {
		return ""
	}
	return string(data[off : off+uint64(descsz)])
}

// goTool returns the go command that built the host, whose Go version is
// goVersion, or an *Error.
func goTool(module, path, goVersion string) (string, error) {
	if path == "" {
		var err error
		if path, err = exec.LookPath("go"); err != nil {
			return "", &Error{Module: module, Op: "build", Err: ErrToolchain, Detail: "no go command on PATH"}
		}
	}
	out, err := exec.Command(path, "env", "GOVERSION").Output()
	if err != nil {
		return "", &Error{Module: module, Op: "build", Err: ErrToolchain, Detail: path + ": " + err.Error()}
	}
	if v := strings.TrimSpace(string(out)); v != goVersion {
		return "", &Error{Module: module, Op: "build", Err: ErrToolchain,
			Detail: path + " is " + v + ", the host was built by " + goVersion}
	}
	return path, nil
}

// moduleDir returns the directory of the host's main module, found from
// the working directory as the go command finds it, or an *Error.
func moduleDir(module, goPath, mainPath string) (string, error) {
	out, err := exec.Command(goPath, "list", "-m", "-f", "{{.Path}}\t{{.Dir}}").Output()
	if err == nil {
		for line := range strings.Lines(string(out)) {
			p, dir, ok := strings.Cut(strings.TrimSpace(line), "\t")
			if ok && (p == mainPath || mainPath == "") && dir != "" {
				return dir, nil
			}
		}
	}
	return "", &Error{Module: module, Op: "build", Err: ErrNoSource,
		Detail: "the working directory is not in module " + mainPath + "; set Options.ModuleDir"}
}

// modulePath reads the module path in dir's go.mod, or returns an *Error.
func modulePath(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err == nil {
		for line := range strings.Lines(string(data)) {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok {
				if p := strings.Trim(strings.TrimSpace(rest), `"`); p != "" {
					return p, nil
				}
			}
		}
		err = errors.New("no module line")
	}
	return "", &Error{Op: "build", Err: ErrNoSource, Detail: filepath.Join(dir, "go.mod") + ": " + err.Error()}
}
