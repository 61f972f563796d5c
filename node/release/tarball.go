package release

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A release's tarball, releases/<vsn>/<name>.tar.gz, holds its whole tree
// relative to the release root: bin/<name>, releases/<vsn>/<name>.rel, the
// relup if any, and releases/<vsn>/modules/. Beside it, <name>.tar.gz.sha256
// holds its digest as sha256sum writes it.

// TarballFile is the name of a release's tarball.
func TarballFile(name string) string { return name + ".tar.gz" }

// DigestFile is the name of the digest file of a release's tarball.
func DigestFile(name string) string { return TarballFile(name) + ".sha256" }

// Pack writes a gzip'd tar of the files under root named by paths (files,
// or directories taken whole; relative to root) into file, and file's
// digest into file.sha256.
func Pack(file, root string, paths []string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	h := sha256.New()
	// The fastest level: most of a release is its binary, which
	// compresses little better at the default level, in four times the time.
	zw, _ := gzip.NewWriterLevel(io.MultiWriter(f, h), gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, p := range paths {
		if err := addTree(tw, root, p); err != nil {
			f.Close()
			return err
		}
	}
	err = errors.Join(tw.Close(), zw.Close(), f.Close())
	if err != nil {
		return err
	}
	line := hex.EncodeToString(h.Sum(nil)) + "  " + filepath.Base(file) + "\n"
	return os.WriteFile(file+".sha256", []byte(line), 0o644)
}

func addTree(tw *tar.Writer, root, rel string) error {
	var names []string
	err := filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, p := range names {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(root, p)
		hdr := &tar.Header{Name: filepath.ToSlash(name), Mode: int64(fi.Mode().Perm()), Size: fi.Size(),
			ModTime: fi.ModTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Verify checks the tarball file against its .sha256 file and reads it
// through, so that a corrupt or truncated tarball, or a digest mismatch,
// is refused before anything is unpacked. It returns the names the
// tarball holds.
func Verify(file string) ([]string, error) {
	want, err := readDigest(file + ".sha256")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoRelease, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return nil, fmt.Errorf("%w: %s has sha256 %s, but %s.sha256 says %s", ErrCorrupt, file, got, filepath.Base(file), want)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return walk(file, f, nil)
}

func readDigest(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%w: no digest: %v", ErrCorrupt, err)
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 || len(fields[0]) != 64 {
		return "", fmt.Errorf("%w: %s does not hold a sha256 digest", ErrCorrupt, file)
	}
	if _, err := hex.DecodeString(fields[0]); err != nil {
		return "", fmt.Errorf("%w: %s does not hold a sha256 digest", ErrCorrupt, file)
	}
	return strings.ToLower(fields[0]), nil
}

// Unpack verifies the tarball file against its digest and extracts it
// into root: the entries under prefix ("" for all). Every entry must be a
// regular file under root. Nothing is put in place unless the whole
// tarball reads well: each file is written beside its destination and
// renamed over it at the end — also because the destination may be the
// binary running (bin/NAME), which cannot be written in place. A hot
// upgrade unpacks releases/<vsn>/ alone, leaving bin/ to the binary that
// runs.
func Unpack(file, root, prefix string) error {
	_, err := unpack(file, root, prefix, false)
	return err
}

// UnpackMissing is Unpack for a release already unpacked, in part or
// whole: it verifies the tarball as Unpack does, but writes only the files
// missing under root and leaves those there as they stand, as OTP runs
// releases/<vsn>/ as it finds it. It returns the files kept that differ
// from the tarball's (slash-separated, from root): those edited by hand.
func UnpackMissing(file, root, prefix string) (edited []string, err error) {
	return unpack(file, root, prefix, true)
}

func unpack(file, root, prefix string, keep bool) (edited []string, err error) {
	want, err := readDigest(file + ".sha256")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoRelease, err)
	}
	defer f.Close()
	matched := 0 // entries under prefix
	h := sha256.New()
	var written []string // temporary files, each beside its destination
	defer func() {
		for _, tmp := range written { // those not renamed into place
			os.Remove(tmp)
			removeEmptyDirs(filepath.Dir(tmp), root)
		}
	}()
	_, err = walk(file, io.TeeReader(f, h), func(hdr *tar.Header, r io.Reader) error {
		if !strings.HasPrefix(hdr.Name, prefix) {
			if matched > 0 {
				// Past the entries wanted (Pack writes a release's
				// directory before its binary): the digest vouches for the
				// rest, which need not be decompressed.
				return errDone
			}
			_, err := io.Copy(io.Discard, r)
			return err
		}
		matched++
		dst := filepath.Join(root, filepath.FromSlash(hdr.Name))
		if have, err := os.ReadFile(dst); keep && err == nil {
			ours, err := io.ReadAll(r)
			if err == nil && !bytes.Equal(have, ours) {
				edited = append(edited, hdr.Name)
			}
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp := dst + ".unpack"
		out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(hdr.Mode).Perm()|0o200)
		if err != nil {
			return err
		}
		written = append(written, tmp)
		_, err = io.Copy(out, r)
		return errors.Join(err, out.Close())
	})
	if _, cerr := io.Copy(h, f); cerr != nil { // what walk left unread
		return nil, cerr
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		// Said rather than a fault of the stream it explains.
		return nil, fmt.Errorf("%w: %s has sha256 %s, but %s.sha256 says %s", ErrCorrupt, file, got, filepath.Base(file), want)
	}
	if err != nil && err != errDone {
		return nil, err
	}
	for _, tmp := range written {
		if err := os.Rename(tmp, strings.TrimSuffix(tmp, ".unpack")); err != nil {
			return nil, err
		}
	}
	written = nil
	return edited, nil
}

// errDone ends a walk that has read what it wanted.
var errDone = errors.New("done")

// removeEmptyDirs removes dir and its parents up to root while they are
// empty: what a refused unpack created.
func removeEmptyDirs(dir, root string) {
	for dir != root && len(dir) > len(root) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// walk reads the tarball through, calling each for every regular file
// (if each is not nil). Any fault of the gzip or tar stream is ErrCorrupt.
func walk(file string, r io.Reader, each func(*tar.Header, io.Reader) error) ([]string, error) {
	corrupt := func(err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: %s is truncated", ErrCorrupt, file)
		}
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, file, err)
	}
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, corrupt(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, corrupt(err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%w: %s: entry %s is not a regular file", ErrCorrupt, file, hdr.Name)
		}
		if !filepath.IsLocal(filepath.FromSlash(hdr.Name)) {
			return nil, fmt.Errorf("%w: %s: entry %s lies outside the release", ErrCorrupt, file, hdr.Name)
		}
		names = append(names, hdr.Name)
		if each != nil {
			if err := each(hdr, tr); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return nil, corrupt(err)
				}
				return nil, err
			}
		} else if _, err := io.Copy(io.Discard, tr); err != nil {
			return nil, corrupt(err)
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil { // the gzip trailer's checksum
		return nil, corrupt(err)
	}
	if err := zr.Close(); err != nil {
		return nil, corrupt(err)
	}
	return names, nil
}
