package release

import (
	"os"
	"path/filepath"
	"testing"
)

func TestChooseBoot(t *testing.T) {
	root := t.TempDir()
	place := func(vsn string) {
		os.MkdirAll(filepath.Join(root, "releases", vsn), 0o755)
		writeFile(t, filepath.Join(root, "releases", vsn, ManifestFile("hot")), "{}")
	}
	if _, err := ChooseBoot(root, "hot"); err == nil {
		t.Fatal("a boot chosen with no release")
	}
	place("0.1.0")
	place("0.10.0")
	place("0.2.0")
	c, _ := ChooseBoot(root, "hot")
	if c.Vsn != "0.10.0" || c.Fallback != "" {
		t.Fatalf("no permanent: %+v", c)
	}
	SetPermanent(root, "0.1.0")
	addHistory(root, "0.1.0")
	c, _ = ChooseBoot(root, "hot")
	if c.Vsn != "0.10.0" || c.Fallback != "0.1.0" {
		t.Fatalf("a newer release placed: %+v", c)
	}
	addHistory(root, "0.10.0") // it ran, then the node went back to 0.1.0
	c, _ = ChooseBoot(root, "hot")
	if c.Vsn != "0.1.0" || c.Fallback != "" {
		t.Fatalf("the newest ran before: %+v", c)
	}
}

func TestUpFrom(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"0.1.0", "0.2.0", "0.10.0"} {
		os.MkdirAll(filepath.Join(root, "releases", v), 0o755)
		m := &Manifest{Name: "hot", Version: v}
		writeFile(t, filepath.Join(root, "releases", v, ManifestFile("hot")), string(m.Marshal()))
	}
	m, err := upFrom(root, "hot", "0.3.0", "")
	if err != nil || m.Version != "0.2.0" {
		t.Fatalf("newest older than 0.3.0: %v %v", m, err)
	}
	if m, err = upFrom(root, "hot", "0.3.0", "0.1.0"); err != nil || m.Version != "0.1.0" {
		t.Fatalf("--upfrom 0.1.0: %v %v", m, err)
	}
	if _, err = upFrom(root, "hot", "0.0.1", ""); err == nil {
		t.Fatal("an upgrade from nothing older")
	}
	mustContain(t, err, "--upgrade needs an older release")
	if _, err = upFrom(root, "hot", "0.2.0", "0.2.0"); err == nil {
		t.Fatal("--upfrom the version built")
	}
}
