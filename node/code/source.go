package code

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is the Go source of one module: one package, read from a file or a
// directory. It is read once, and the bytes hashed are the bytes compiled.
type Source struct {
	Name  string // package name
	Path  string // the file or directory it came from; what Which reports
	Files []File // sorted by name
	Hash  string // hex MD5 of the file names and contents
}

// File is one source file of a module.
type File struct {
	Name string // the name positions in errors use: the file's path
	Data []byte
}

// ReadSource reads a module from a .go file, or from the Go files of a
// directory (test files and files excluded by build constraints left out;
// see BuildTag).
func ReadSource(path string) (*Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	var names []string
	if fi.IsDir() {
		if names, err = goFiles(abs); err != nil {
			return nil, err
		}
	} else {
		names = []string{abs}
	}
	files := make([]File, len(names))
	for i, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files[i] = File{Name: name, Data: data}
	}
	return NewSource(abs, files...)
}

// goFiles lists the Go files of dir that make up a module: those go build
// would compile, so a module directory is an ordinary Go package.
func goFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ctx := build.Default
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		names = append(names, filepath.Join(dir, name))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: no Go files in %s", ErrNotFound, dir)
	}
	return names, nil
}

// NewSource makes a Source from files held in memory, as a release unpacks
// them. path is what Which will report.
func NewSource(path string, files ...File) (*Source, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no Go files for %s", ErrNotFound, path)
	}
	files = append([]File(nil), files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	name, err := packageName(files)
	if err != nil {
		return nil, err
	}
	return &Source{Name: name, Path: path, Files: files, Hash: hashFiles(files)}, nil
}

// packageName reads the package clauses of files; they must agree.
func packageName(files []File) (string, error) {
	fset := token.NewFileSet()
	var name string
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.PackageClauseOnly)
		if err != nil {
			return "", compileError("", err)
		}
		switch {
		case name == "":
			name = af.Name.Name
		case af.Name.Name != name:
			return "", errorAt(name, fset.Position(af.Name.Pos()),
				fmt.Sprintf("package %s; other files are package %s", af.Name.Name, name))
		}
	}
	if name == "main" {
		return "", errorAt(name, token.Position{Filename: files[0].Name},
			"package main cannot be loaded as a module")
	}
	return name, nil
}

// hashFiles is the module's checksum, as OTP keeps the MD5 of a module: it
// names the version when the source declares no Vsn, and tells whether the
// source on disk still is what was loaded.
func hashFiles(files []File) string {
	h := md5.New()
	for _, f := range files {
		h.Write([]byte(filepath.Base(f.Name)))
		h.Write([]byte{0})
		h.Write(f.Data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Vsn returns the module's version as the code server will name it: the
// literal of its const Vsn, else the hash of its source. It does not
// compile the module.
func (src *Source) Vsn() (string, error) {
	fset := token.NewFileSet()
	p, err := parse(fset, src)
	if err != nil {
		return "", err
	}
	v, err := p.vsn(fset)
	if err != nil || v != "" {
		return v, err
	}
	return src.Hash, nil
}
