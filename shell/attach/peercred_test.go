package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/shell"
)

func TestPeerCredOfOwnProcess(t *testing.T) {
	socket := filepath.Join(shortTempDir(t), "p.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cred, err := PeerCred(s)
	if err != nil {
		t.Fatal(err)
	}
	if cred.UID != os.Geteuid() || cred.GID != os.Getegid() || cred.PID != os.Getpid() {
		t.Errorf("PeerCred = %+v; want uid %d gid %d pid %d", cred, os.Geteuid(), os.Getegid(), os.Getpid())
	}
	if err := SameUser(cred); err != nil {
		t.Errorf("SameUser refuses this process: %v", err)
	}
}

func TestPeerCredNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := PeerCred(a); err == nil {
		t.Error("PeerCred of a pipe: no error")
	}
}

func TestAllowUID(t *testing.T) {
	check := allowUID(1000)
	if err := check(Cred{UID: 1000, PID: 7}); err != nil {
		t.Errorf("owner refused: %v", err)
	}
	for _, uid := range []int{0, 999, 65534} {
		err := check(Cred{UID: uid})
		if !errors.Is(err, ErrPeer) {
			t.Errorf("uid %d: %v, want ErrPeer", uid, err)
			continue
		}
		if want := fmt.Sprintf("uid %d may not attach to a node run by uid 1000", uid); !strings.Contains(err.Error(), want) {
			t.Errorf("uid %d: %q lacks %q", uid, err, want)
		}
	}
}

// nobody is the user the cross-user test switches to.
const nobody = 65534

// TestOtherUserRefused runs a client as another user (nobody) against a
// node whose socket is, for the test only, open to everyone: the peer
// credential check is then all that stands between them, and must hold.
func TestOtherUserRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv")
	}
	dir := shortTempDir(t)
	bin := copyExecutable(t, dir)
	var logged strings.Builder
	var logMu sync.Mutex
	socket := RunDir(dir).Socket("root@host")
	srv, err := ServeAttach(RunDir(dir), ServerOptions{
		Node:       "root@host",
		NewSession: func(Terminal) (shell.Engine, error) { return nil, errors.New("no sessions here") },
		Logger:     slog.New(slog.NewTextHandler(syncWriter{&logMu, &logged}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for path, mode := range map[string]os.FileMode{dir: 0o755, socket: 0o666} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(setpriv, fmt.Sprintf("--reuid=%d", nobody), fmt.Sprintf("--regid=%d", nobody),
		"--clear-groups", bin, "-test.run=^TestHelperAttachAsOtherUser$")
	cmd.Env = append(os.Environ(), "GEX_TEST_ATTACH_SOCKET="+socket)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client as uid %d: %v\n%s", nobody, err, out)
	}
	want := fmt.Sprintf("uid %d may not attach to a node run by uid 0", nobody)
	if !strings.Contains(string(out), "refused the connection: "+want) {
		t.Errorf("the client was told:\n%s\nwant it to say %q", out, want)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logged.String(), want) || !strings.Contains(logged.String(), fmt.Sprintf("uid=%d", nobody)) {
		t.Errorf("the node logged %q", logged.String())
	}
}

// copyExecutable copies the test binary where another user can run it.
func copyExecutable(t *testing.T, dir string) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "shell.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestHelperAttachAsOtherUser is the client half of TestOtherUserRefused.
func TestHelperAttachAsOtherUser(t *testing.T) {
	socket := os.Getenv("GEX_TEST_ATTACH_SOCKET")
	if socket == "" {
		t.Skip("run by TestOtherUserRefused")
	}
	// The client refuses a node of another user before saying a word.
	if _, err := Attach(context.Background(), socket, ClientOptions{}); !errors.Is(err, ErrPeer) {
		t.Fatalf("as uid %d: Attach: %v, want a refusal of the node", os.Geteuid(), err)
	}
	// Past that check, as a client that does not make it, the node refuses.
	nc, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := newClient(nc)
	err = c.handshake(socket, helloMsg{version: ProtocolVersion, mode: modeShell})
	if !errors.Is(err, ErrPeer) {
		t.Fatalf("as uid %d: %v, want a peer refusal", os.Geteuid(), err)
	}
	fmt.Println(err)
}

// TestClientRefusesAnotherUsersNode: the node refuses clients of other
// users, and clients (attach, eval, stop, ping) refuse nodes of other
// users. With no XDG_RUNTIME_DIR the runtime directory is /tmp/gex-UID, a
// name anyone can create first; a listener there run by another user must
// not get the victim's console input. Here a "node" run by nobody, in a
// directory nobody owns, waits for this (root) process.
func TestClientRefusesAnotherUsersNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a node as another user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv")
	}
	tmp := shortTempDir(t)
	if err := os.Chmod(tmp, 0o777); err != nil { // as /tmp
		t.Fatal(err)
	}
	bin := copyExecutable(t, tmp)
	rundir := RunDir(tmp + "/gex-0") // the victim's (root's) default name
	cmd := exec.Command(setpriv, fmt.Sprintf("--reuid=%d", nobody), fmt.Sprintf("--regid=%d", nobody),
		"--clear-groups", bin, "-test.run=^TestHelperImpostorNode$")
	cmd.Env = append(os.Environ(), "GEX_TEST_IMPOSTOR_DIR="+string(rundir))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	buf := make([]byte, 64)
	if n, _ := stdout.Read(buf); !strings.Contains(string(buf[:n]), "ready") {
		t.Fatalf("impostor did not start: %q", buf[:n])
	}
	c, err := Attach(context.Background(), rundir.Socket("root@host"), ClientOptions{})
	if err != nil {
		want := fmt.Sprintf("the node there runs as uid %d, not as this user (uid 0)", nobody)
		if !errors.Is(err, ErrPeer) || !strings.Contains(err.Error(), want) {
			t.Errorf("refused with %q, want ErrPeer saying %q", err, want)
		}
		return
	}
	defer c.Close()
	var out strings.Builder
	c.Eval(context.Background(), "echo secret-token", &out)
	t.Errorf("attached to a node run by uid %d in a directory it owns; it saw and echoed %q", nobody, out.String())
}

// TestHelperImpostorNode is the other user's half of
// TestClientRefusesAnotherUsersNode: a node that admits anyone.
func TestHelperImpostorNode(t *testing.T) {
	dir := os.Getenv("GEX_TEST_IMPOSTOR_DIR")
	if dir == "" {
		t.Skip("run by TestClientRefusesAnotherUsersNode")
	}
	srv, err := ServeAttach(RunDir(dir), ServerOptions{
		Node:       "root@host",
		NewSession: func(o Terminal) (shell.Engine, error) { return &scriptEngine{opts: o, vars: map[string]string{}}, nil },
		Allow:      func(Cred) error { return nil },
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fmt.Println("ready")
	time.Sleep(20 * time.Second)
}
