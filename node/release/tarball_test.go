package release

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestTarball(t *testing.T) {
	root := t.TempDir()
	for name, text := range map[string]string{"bin/hot": "binary", "releases/1/hot.rel": "{}", "releases/1/modules/m/m.go": "package m"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		writeFile(t, filepath.Join(root, name), text)
	}
	file := filepath.Join(t.TempDir(), "hot.tar.gz")
	if err := Pack(file, root, []string{"releases/1", "bin/hot"}); err != nil {
		t.Fatal(err)
	}
	names, err := Verify(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"releases/1/hot.rel", "releases/1/modules/m/m.go", "bin/hot"}; !slices.Equal(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	dst := t.TempDir()
	if err := Unpack(file, dst, "releases/"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "releases/1/modules/m/m.go")); string(b) != "package m" {
		t.Fatalf("unpacked %q", b)
	}
	if exists(filepath.Join(dst, "bin/hot")) {
		t.Fatal("bin/ unpacked outside the prefix")
	}

	good, _ := os.ReadFile(file)
	digestOf := digest(good) + "  hot.tar.gz\n"
	for _, tt := range []struct {
		name   string
		data   []byte
		digest string
		want   string
	}{
		{"corrupt", flip(good, len(good)/2), "", "has sha256"},
		{"truncated with a matching digest", good[:len(good)-20], digest(good[:len(good)-20]) + "  hot.tar.gz\n", "truncated"},
		{"not gzip", []byte("hello"), digest([]byte("hello")) + "\n", "gzip"},
		{"bad digest file", good, "xyz\n", "does not hold a sha256 digest"},
		{"no digest file", good, "-", "no digest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "hot.tar.gz")
			writeFile(t, f, string(tt.data))
			switch tt.digest {
			case "":
				writeFile(t, f+".sha256", digestOf)
			case "-":
			default:
				writeFile(t, f+".sha256", tt.digest)
			}
			_, err := Verify(f)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("verify: %v", err)
			}
			mustContain(t, err, tt.want)
			dst := t.TempDir()
			if err := Unpack(f, dst, ""); err == nil {
				t.Fatal("unpacked")
			}
			if entries, _ := os.ReadDir(dst); len(entries) != 0 {
				t.Fatalf("a refused tarball left %v", entries)
			}
		})
	}
}

func flip(b []byte, at int) []byte {
	c := slices.Clone(b)
	c[at] ^= 0xff
	return c
}
