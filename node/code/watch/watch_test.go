package watch_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node/code/watch"
)

// An editor saves data to path the way that editor does.
type editor func(t testing.TB, path string, data []byte)

// The file operations of editors' saves, as strace shows them.
var editors = map[string]editor{
	// vim, backupcopy=no (its default where it can): check the directory
	// is writable with a file 4913, rename the file to its backup, write a
	// new file, set its mode, delete the backup. The swap file is written
	// meanwhile.
	"vim": func(t testing.TB, path string, data []byte) {
		dir := filepath.Dir(path)
		check(t, os.WriteFile(filepath.Join(dir, "4913"), nil, 0o644))
		check(t, os.Remove(filepath.Join(dir, "4913")))
		check(t, os.WriteFile(filepath.Join(dir, "."+filepath.Base(path)+".swp"), []byte("swap"), 0o600))
		check(t, os.Rename(path, path+"~"))
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		check(t, err)
		half := len(data) / 2
		_, err = f.Write(data[:half])
		check(t, err)
		_, err = f.Write(data[half:])
		check(t, err)
		check(t, f.Sync())
		check(t, f.Close())
		check(t, os.Chmod(path, 0o644))
		check(t, os.Remove(path+"~"))
	},
	// vim, backupcopy=yes: copy the file to its backup, write the file in
	// place, delete the backup.
	"vim in place": func(t testing.TB, path string, data []byte) {
		old, err := os.ReadFile(path)
		check(t, err)
		check(t, os.WriteFile(path+"~", old, 0o644))
		check(t, os.WriteFile(path, data, 0o644))
		check(t, os.Remove(path+"~"))
	},
	// VS Code: truncate, then write, in place; a moment can pass between.
	"vscode": func(t testing.TB, path string, data []byte) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
		check(t, err)
		time.Sleep(2 * time.Millisecond)
		_, err = f.Write(data)
		check(t, err)
		check(t, f.Close())
	},
	// VS Code on a slow disk: the truncated file is seen, empty, long
	// before the write. The empty file is a save half done, not an error.
	"vscode, slow": func(t testing.TB, path string, data []byte) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
		check(t, err)
		time.Sleep(10 * watch.DefaultDebounce)
		_, err = f.Write(data)
		check(t, err)
		check(t, f.Close())
	},
	// GoLand's safe write: write a temp file, move the file aside, move
	// the temp file in, delete the old one.
	"goland": func(t testing.TB, path string, data []byte) {
		check(t, os.WriteFile(path+"___jb_tmp___", data, 0o644))
		check(t, os.Rename(path, path+"___jb_old___"))
		check(t, os.Rename(path+"___jb_tmp___", path))
		check(t, os.Remove(path+"___jb_old___"))
	},
	// sed -i: write a temp file in the directory, give it the file's
	// mode, rename it over the file.
	"sed -i": func(t testing.TB, path string, data []byte) {
		tmp := filepath.Join(filepath.Dir(path), "sedAb12Cd")
		check(t, os.WriteFile(tmp, data, 0o600))
		check(t, os.Chmod(tmp, 0o644))
		check(t, os.Rename(tmp, path))
	},
	// emacs: an autosave file #kv.go#, a lock symlink .#kv.go, the
	// backup kv.go~ by rename, the file written anew.
	"emacs": func(t testing.TB, path string, data []byte) {
		dir, base := filepath.Dir(path), filepath.Base(path)
		check(t, os.WriteFile(filepath.Join(dir, "#"+base+"#"), data, 0o644))
		check(t, os.Symlink("user@host.1234", filepath.Join(dir, ".#"+base)))
		check(t, os.Rename(path, path+"~"))
		check(t, os.WriteFile(path, data, 0o644))
		check(t, os.Remove(filepath.Join(dir, "#"+base+"#")))
		check(t, os.Remove(filepath.Join(dir, ".#"+base)))
	},
	// Several writes and chmods of one save, as a tool that writes in
	// pieces does.
	"writes and chmods": func(t testing.TB, path string, data []byte) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
		check(t, err)
		for i := 0; i < len(data); i += 64 {
			_, err = f.Write(data[i:min(i+64, len(data))])
			check(t, err)
		}
		check(t, f.Close())
		check(t, os.Chmod(path, 0o600))
		check(t, os.Chmod(path, 0o644))
	},
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestEditorSaves: each editor's save is one reload, and the running
// server answers with the new code.
func TestEditorSaves(t *testing.T) {
	for name, save := range editors {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
			pid := f.startServer("kv")
			f.call(pid, "put", "a", 1)
			for i := 1; i <= 3; i++ {
				vsn := strconv.Itoa(i)
				save(t, f.path("kv.go"), []byte(kvSrc(vsn, "")))
				ev := f.next()
				if ev.Outcome != watch.Loaded || len(ev.Modules) != 1 || ev.Modules[0].Vsn != vsn ||
					ev.Modules[0].OldVsn != strconv.Itoa(i-1) {
					t.Fatalf("save %d: %v", i, ev)
				}
				f.quiet() // one save, one reload
				if got := f.call(pid, "vsn"); got != vsn {
					t.Fatalf("save %d: the server answers vsn %v", i, got)
				}
				if got := f.call(pid, "get", "a"); got != 1 {
					t.Fatalf("save %d: state lost: a = %v", i, got)
				}
			}
		})
	}
}

// TestIgnoredFiles: files that are no loaded module's cause no reload.
func TestIgnoredFiles(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", ""), "other.go": "package other\n"}, "kv")
	for _, name := range []string{"kv_test.go", "kv.go~", ".kv.go.swp", "4913", "#kv.go#", ".#kv.go",
		"_kv.go", "notes.txt", "kv.go.orig", "testdata/kv.go", ".git/kv.go"} {
		f.write(name, kvSrc("9", ""))
	}
	f.write("other.go", "package other\n\nfunc F() {}\n") // not loaded: loaded at first use
	check(t, os.Chmod(f.path("kv.go"), 0o600))            // nothing new to load
	f.write("kv.go", kvSrc("0", ""))                      // saved unchanged
	f.quiet()
	if f.vsn("kv") != "0" {
		t.Fatal("kv changed")
	}
}

// TestCompileErrorKeepsVersion: a save that does not compile is reported
// with file:line:col, and the current version goes on; the fix loads.
func TestCompileErrorKeepsVersion(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	pid := f.startServer("kv")
	f.write("kv.go", kvSrc("1", "func Broken() int { return notDefined }\n"))
	ev := f.next()
	var ce interface{ Error() string }
	if ev.Outcome != watch.CompileFailed || !errors.As(ev.Err, &ce) || ev.Modules[0].Vsn != "" ||
		ev.Modules[0].State != watch.StateUntouched {
		t.Fatalf("broken save: %+v", ev)
	}
	at := regexp.QuoteMeta(f.path("kv.go")) + `:23:28: .*notDefined`
	if !regexp.MustCompile(at).MatchString(ev.String()) {
		t.Fatalf("event line %q does not match %s", ev.String(), at)
	}
	if !strings.HasPrefix(ev.String(), `watch: not reloaded, kv "0" keeps running: `) {
		t.Fatalf("event line: %s", ev)
	}
	if got := f.call(pid, "vsn"); got != "0" || f.vsn("kv") != "0" {
		t.Fatalf("after a broken save the server answers %v, kv is vsn %s", got, f.vsn("kv"))
	}
	f.write("kv.go", kvSrc("1", ""))
	if ev := f.next(); ev.Outcome != watch.Loaded || f.call(pid, "vsn") != "1" {
		t.Fatalf("fixed save: %v", ev)
	}
}

// TestBurstIsOneReload: saves in quick succession are one reload, of the
// last.
func TestBurstIsOneReload(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	pid := f.startServer("kv")
	for i := 1; i <= 10; i++ {
		editors["vim"](t, f.path("kv.go"), []byte(kvSrc(strconv.Itoa(i), "")))
	}
	ev := f.next()
	if ev.Outcome != watch.Loaded || ev.Modules[0].OldVsn != "0" || ev.Modules[0].Vsn != "10" {
		t.Fatalf("burst: %v", ev)
	}
	f.quiet()
	if got := f.call(pid, "vsn"); got != "10" {
		t.Fatalf("after the burst the server answers %v", got)
	}
	if in, _ := f.cs.Info("kv"); in.OldVsn != "0" {
		t.Fatalf("old vsn %q: the burst loaded versions in between", in.OldVsn)
	}
}

// TestDeletedFileKeepsCode: deleting a module's file unloads nothing;
// writing it again loads it.
func TestDeletedFileKeepsCode(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	pid := f.startServer("kv")
	check(t, os.Remove(f.path("kv.go")))
	f.quiet()
	if !f.cs.IsLoaded("kv") || f.call(pid, "vsn") != "0" {
		t.Fatal("deleting kv.go unloaded kv")
	}
	f.write("kv.go", kvSrc("1", ""))
	if ev := f.next(); ev.Outcome != watch.Loaded || f.call(pid, "vsn") != "1" {
		t.Fatalf("kv.go written again: %v", ev)
	}
}

// TestDirectoryModule: a module that is a directory reloads when one of
// its files is saved, a file is added, or the directory is replaced (a
// branch switch): the new directory is watched.
func TestDirectoryModule(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{
		"greet/greet.go": "package greet\n\nfunc Hello() string { return word }\n",
		"greet/word.go":  "package greet\n\nconst word = \"hello\"\n",
	}, "greet")
	hello := fn[func() string](t, f.cs, "greet", "Hello")

	f.write("greet/word.go", "package greet\n\nconst word = \"hi\"\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || hello() != "hi" {
		t.Fatalf("file of the directory saved: %v; Hello = %q", ev, hello())
	}
	f.write("greet/more.go", "package greet\n\nfunc Bye() string { return \"bye\" }\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || len(f.cs.Exports()["greet/greet"]) != 2 {
		t.Fatalf("file added: %v", ev)
	}
	check(t, os.Remove(f.path("greet/more.go")))
	if ev := f.next(); ev.Outcome != watch.Loaded || len(f.cs.Exports()["greet/greet"]) != 1 {
		t.Fatalf("one of three files removed, the module is the two left: %v", ev)
	}

	check(t, os.Rename(f.path("greet"), f.path("greet.old")))
	check(t, os.Mkdir(f.path("greet"), 0o755))
	f.write("greet/greet.go", "package greet\n\nfunc Hello() string { return \"switched\" }\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || hello() != "switched" {
		t.Fatalf("directory replaced: %v; Hello = %q", ev, hello())
	}
	f.write("greet/greet.go", "package greet\n\nfunc Hello() string { return \"again\" }\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || hello() != "again" {
		t.Fatalf("a save in the new directory: %v; Hello = %q", ev, hello())
	}
}

// TestNewSubdirectory: a directory created under the code path after the
// watch began is watched, files and all.
func TestNewSubdirectory(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	f.write("lib/deep/greet.go", "package greet\n\nfunc Hello() string { return \"1\" }\n")
	f.quiet() // not loaded: nothing to reload
	if _, err := f.cs.LoadFile(f.path("lib/deep/greet.go")); err != nil {
		t.Fatal(err)
	}
	hello := fn[func() string](t, f.cs, "greet", "Hello")
	f.write("lib/deep/greet.go", "package greet\n\nfunc Hello() string { return \"2\" }\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || hello() != "2" {
		t.Fatalf("save in a new directory: %v; Hello = %q", ev, hello())
	}
}

// TestSeveralModulesAllOrNone: a burst that changes two modules loads
// both or neither.
func TestSeveralModulesAllOrNone(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{
		"kv.go": kvSrc("0", ""),
		"a.go":  "package a\n\nfunc Hello() string { return \"a0\" }\n",
	}, "kv", "a")
	pid := f.startServer("kv")
	f.write("kv.go", kvSrc("1", ""))
	f.write("a.go", "package a\n\nfunc Hello() string { return broken }\n")
	ev := f.next()
	if ev.Outcome != watch.CompileFailed || len(ev.Modules) != 2 || f.vsn("kv") != "0" || f.call(pid, "vsn") != "0" {
		t.Fatalf("a broken module in the change: %v; kv vsn %s", ev, f.vsn("kv"))
	}
	f.write("a.go", "package a\n\nfunc Hello() string { return \"a1\" }\n")
	ev = f.next()
	if ev.Outcome != watch.Loaded || len(ev.Modules) != 2 || ev.Modules[0].Name != "a" || ev.Modules[1].Name != "kv" {
		t.Fatalf("fixed: %v", ev)
	}
	if f.call(pid, "vsn") != "1" || fn[func() string](t, f.cs, "a", "Hello")() != "a1" {
		t.Fatal("not both loaded")
	}
}

// TestRenameAcrossModules: a function renamed in one module and in its
// caller in another, saved together, loads: the caller compiles against
// the new exports.
func TestRenameAcrossModules(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{
		"a.go": "package a\n\nfunc Hello() string { return \"a0\" }\n",
		"b.go": "package b\n\nimport \"a\"\n\nfunc Greet() string { return \"b:\" + a.Hello() }\n",
	}, "a", "b")
	greet := fn[func() string](t, f.cs, "b", "Greet")
	f.write("b.go", "package b\n\nimport \"a\"\n\nfunc Greet() string { return \"b:\" + a.Hi() }\n")
	f.write("a.go", "package a\n\nfunc Hi() string { return \"a1\" }\n")
	if ev := f.next(); ev.Outcome != watch.Loaded || len(ev.Modules) != 2 || greet() != "b:a1" {
		t.Fatalf("rename across modules: %v; Greet = %q", ev, greet())
	}
}

// TestOneWatcherPerServer: a code server has one watcher; once it is
// closed another may start.
func TestOneWatcherPerServer(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	if _, err := watch.Start(f.cs, watch.Options{}); !errors.Is(err, watch.ErrWatching) {
		t.Fatalf("second Start: %v", err)
	}
	if watch.Running(f.cs) != f.w {
		t.Fatal("Running is not the watcher")
	}
	f.w.Close()
	if watch.Running(f.cs) != nil {
		t.Fatal("closed watcher still running")
	}
	if err := f.w.Force(); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Force on a closed watcher: %v", err)
	}
	w, err := watch.Start(f.cs, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The subscription outlives the first watcher.
	f.write("kv.go", kvSrc("1", ""))
	if ev := f.next(); ev.Outcome != watch.Loaded {
		t.Fatalf("second watcher: %v", ev)
	}
}

// TestSubscriberPanic: a subscriber that panics is logged; the watcher
// and the other subscribers go on.
func TestSubscriberPanic(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	cancel := watch.Subscribe(f.cs, func(watch.Event) { panic("subscriber bug") })
	defer cancel()
	f.write("kv.go", kvSrc("1", ""))
	f.next()
	f.write("kv.go", kvSrc("2", ""))
	if ev := f.next(); ev.Outcome != watch.Loaded || !strings.Contains(f.log.String(), "subscriber bug") {
		t.Fatalf("after a subscriber panicked: %v; log %s", ev, f.log)
	}
}

// TestFlagStartLogs: what --watch starts writes each event's line to the
// node's log (the daemon's), and stops with its stop.
func TestFlagStartLogs(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	f.w.Close() // the flag starts its own
	flag := watch.Flag{}
	check(t, flag.Set("migrate"))
	stop, err := flag.Start(f.cs, f.n.Logger())
	check(t, err)
	if w := watch.Running(f.cs); w == nil || w.Mode() != watch.Migrate {
		t.Fatal("no watcher in migrate mode")
	}
	f.write("kv.go", kvSrc("1", ""))
	f.next()
	stop()
	if watch.Running(f.cs) != nil {
		t.Fatal("stop left the watcher running")
	}
	if log := f.log.String(); !strings.Contains(log, `msg="watch: reloaded kv \"0\" → \"1\""`) ||
		!strings.Contains(log, "watching for saves") {
		t.Fatalf("log:\n%s", log)
	}
	off := watch.Flag{}
	stop, err = off.Start(f.cs, f.n.Logger())
	if err != nil || watch.Running(f.cs) != nil {
		t.Fatalf("--watch absent started a watcher: %v", err)
	}
	stop()
}

// TestNotify: a channel subscription gets the events, drops what finds it
// full without holding up the watcher, and is closed by its cancel.
func TestNotify(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	events, cancel := watch.Notify(f.cs, 1)
	for i := 1; i <= 2; i++ {
		f.write("kv.go", kvSrc(strconv.Itoa(i), ""))
		f.next() // the fixture's subscription: the reload is done
	}
	if ev := <-events; ev.Modules[0].Vsn != "1" {
		t.Fatalf("first event on the channel: %v", ev)
	}
	select {
	case ev := <-events:
		t.Fatalf("an event that found the buffer full was kept: %v", ev)
	default:
	}
	cancel()
	cancel()
	if _, ok := <-events; ok {
		t.Fatal("channel open after cancel")
	}
	f.write("kv.go", kvSrc("3", ""))
	f.next() // publishing to a cancelled subscription does not panic
	if strings.Contains(f.log.String(), "panicked") {
		t.Fatalf("log: %s", f.log)
	}
}
