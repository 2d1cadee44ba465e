//go:build linux && (amd64 || arm64)

package infer

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	goruntime "runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// foreignHandler does what the CUDA provider's libraries do to a signal
// (onnxruntime_go issue #140): it installs a handler without SA_ONSTACK.
// Here the handler is Go's own, so only the flag is wrong.
func foreignHandler(t testing.TB, sig syscall.Signal) {
	var act sigactiont
	if e := rtSigaction(int(sig), nil, &act); e != 0 {
		t.Fatal(e)
	}
	act.flags &^= saOnStack
	if e := rtSigaction(int(sig), &act, nil); e != 0 {
		t.Fatal(e)
	}
}

func sigaction(t testing.TB, sig syscall.Signal) sigactiont {
	var act sigactiont
	if e := rtSigaction(int(sig), nil, &act); e != 0 {
		t.Fatal(e)
	}
	return act
}

// TestGuardSignals: handlers replaced inside guardSignals come back as they
// were; SIGINT and SIGTERM come back from any handler; a change to SIG_IGN
// (which Go's signal.Ignore makes) and a foreign handler with SA_ONSTACK on
// another signal stay.
func TestGuardSignals(t *testing.T) {
	signal.Ignore(syscall.SIGUSR2) // undone below
	defer signal.Reset(syscall.SIGUSR2)
	// A process started as ignoring a signal (nohup: SIGHUP; a background
	// job: SIGINT) keeps it ignored until asked for it; ask, so that every
	// signal below starts with Go's own handler.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(ch)
	before := map[syscall.Signal]sigactiont{}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGSEGV, syscall.SIGURG, syscall.SIGHUP, syscall.SIGUSR1} {
		before[sig] = sigaction(t, sig)
		if before[sig].flags&saOnStack == 0 {
			t.Fatalf("%v: Go's handler has no SA_ONSTACK: %+v", sig, before[sig])
		}
	}
	restored := guardSignals(func() {
		foreignHandler(t, syscall.SIGINT)
		foreignHandler(t, syscall.SIGSEGV)
		foreignHandler(t, syscall.SIGURG)
		// A handler with SA_ONSTACK, but another one: SIGTERM is put
		// back, SIGUSR1 is not.
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1} {
			act := sigaction(t, sig)
			act.mask ^= 1 << 20
			if err := rtSigaction(int(sig), &act, nil); err != 0 {
				t.Fatal(err)
			}
		}
		ign := sigactiont{handler: sigIGN}
		if err := rtSigaction(int(syscall.SIGHUP), &ign, nil); err != 0 {
			t.Fatal(err)
		}
	})
	defer func() {
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1} {
			if err := rtSigaction(int(sig), ptr(before[sig]), nil); err != 0 {
				t.Errorf("restore %v: %v", sig, err)
			}
		}
	}()
	want := []syscall.Signal{syscall.SIGINT, syscall.SIGSEGV, syscall.SIGTERM, syscall.SIGURG}
	slices.Sort(restored)
	if !slices.Equal(restored, want) {
		t.Errorf("restored %v, want %v", restored, want)
	}
	for _, sig := range want {
		if got := sigaction(t, sig); got != before[sig] {
			t.Errorf("%v: %+v, want %+v", sig, got, before[sig])
		}
	}
	if got := sigaction(t, syscall.SIGHUP); got.handler != sigIGN {
		t.Errorf("SIGHUP: %+v, want SIG_IGN kept", got)
	}
	if got := sigaction(t, syscall.SIGUSR1); got == before[syscall.SIGUSR1] {
		t.Error("SIGUSR1: a handler with SA_ONSTACK was replaced")
	}
	if r := guardSignals(func() {}); r != nil {
		t.Errorf("nothing changed, restored %v", r)
	}
}

func ptr(a sigactiont) *sigactiont { return &a }

const sigChildEnv = "ZOO_INFER_SIGNAL_CHILD"

// TestSignalChild is the child process of TestInterruptAfterForeignHandler
// (the helper-process pattern of os/exec's tests); on its own it does
// nothing.
func TestSignalChild(t *testing.T) {
	mode := os.Getenv(sigChildEnv)
	if mode == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s := saveSignals()
	foreignHandler(t, syscall.SIGINT)
	if mode == "repaired" {
		s.restore()
	}
	// Deliver SIGINT to this thread while it runs Go code on a goroutine
	// stack, as Ctrl-C does to a busy process.
	goruntime.LockOSThread()
	if err := syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
		os.Stdout.WriteString("clean stop\n")
	case <-time.After(10 * time.Second):
		t.Fatal("no SIGINT")
	}
}

// TestInterruptAfterForeignHandler shows in a child process that a SIGINT
// handler without SA_ONSTACK crashes a Go program, and that restoring Go's
// handler, as sessions on CUDA do, delivers the signal to os/signal.
func TestInterruptAfterForeignHandler(t *testing.T) {
	for _, tc := range []struct{ mode, want string }{
		{"broken", "non-Go code set up signal handler without SA_ONSTACK flag"},
		{"repaired", "clean stop"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSignalChild$", "-test.v")
		cmd.Env = append(os.Environ(), sigChildEnv+"="+tc.mode)
		out, err := cmd.CombinedOutput()
		if !strings.Contains(string(out), tc.want) || (tc.mode == "repaired") != (err == nil) {
			t.Errorf("%s: exit %v, output:\n%s", tc.mode, err, out)
		}
	}
}
