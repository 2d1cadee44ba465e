package interrupt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// exits records the exit codes Watch asks for, and the lines it prints.
type exits struct {
	mu    sync.Mutex
	codes []int
	out   strings.Builder
	ch    chan int
}

func (e *exits) exit(code int) {
	e.mu.Lock()
	e.codes = append(e.codes, code)
	e.mu.Unlock()
	e.ch <- code
}

func (e *exits) Write(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.out.Write(b)
}

func TestCause(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}, {syscall.SIGHUP, "SIGHUP", 129}} {
		c := Cause{tc.sig}
		if c.Error() != "interrupted by "+tc.name || c.ExitCode() != tc.code || !errors.Is(c, context.Canceled) {
			t.Errorf("%v: %q, exit %d, a cancellation %v", tc.sig, c.Error(), c.ExitCode(), errors.Is(c, context.Canceled))
		}
	}
}

// TestWatch sends each signal to the test process under Watch: the
// context is cancelled with the signal as cause; a command that stops
// within the grace period ends as it will; one that does not, or a second
// signal, removes the pending temporary files and exits with the signal's
// code.
func TestWatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sig    syscall.Signal
		stop   bool // the command stops by itself in time
		second bool // a second signal comes
		code   int  // 0: no exit
	}{
		{"SIGINT, stopped in time", syscall.SIGINT, true, false, 0},
		{"SIGTERM, stuck", syscall.SIGTERM, false, false, 143},
		{"SIGHUP, stuck", syscall.SIGHUP, false, false, 129},
		{"SIGINT twice", syscall.SIGINT, false, true, 130},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &exits{ch: make(chan int, 1)}
			grace := 300 * time.Millisecond
			if tc.second {
				grace = time.Hour
			}
			ctx, stop := Watch(context.Background(), Options{Grace: grace, Stderr: e, Exit: e.exit})
			defer stop()
			tmp, err := atomicfile.Create(filepath.Join(t.TempDir(), "out.idx"), false)
			if err != nil {
				t.Fatal(err)
			}
			defer tmp.Abort()
			if err := syscall.Kill(os.Getpid(), tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the context was not cancelled")
			}
			var c Cause
			if !errors.As(context.Cause(ctx), &c) || c.Signal != tc.sig {
				t.Fatalf("cause %v, want %v", context.Cause(ctx), tc.sig)
			}
			if tc.stop {
				stop()
				select {
				case code := <-e.ch:
					t.Fatalf("exit %d after the command stopped", code)
				case <-time.After(2 * grace):
				}
				if _, err := os.Stat(tmp.Name()); err != nil {
					t.Errorf("the command's temporary file was removed: %v", err)
				}
				return
			}
			if tc.second {
				if err := syscall.Kill(os.Getpid(), tc.sig); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case code := <-e.ch:
				if code != tc.code {
					t.Errorf("exit %d, want %d", code, tc.code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no exit")
			}
			if _, err := os.Stat(tmp.Name()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary file %s left: %v", tmp.Name(), err)
			}
			if want := "zoo: interrupted by " + sigName(tc.sig) + "; stopped at once, temporary files removed\n"; e.out.String() != want {
				t.Errorf("printed %q, want %q", e.out.String(), want)
			}
		})
	}
}
