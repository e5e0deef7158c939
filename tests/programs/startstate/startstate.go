// startstate: prints what the Go runtime took from the kernel's start state (arguments,
// environment, executable, AT_RANDOM, vDSO clock, threads, signals), for the programs suite to
// compare run directly and through ulexec; built with nocgo.go (static, PIE) or cgo.go. With the
// argument "smaps" it prints /proc/self/smaps instead. The go:linkname reads of the runtime's
// variables build with Go 1.19 (Debian 12); Go 1.23 refuses them without -checklinkname=0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

// Where the runtime found clock_gettime in the vDSO (0: it did not, and time.Now makes a system call).
//
//go:linkname vdsoClockgettimeSym runtime.vdsoClockgettimeSym
var vdsoClockgettimeSym uintptr

// The 16 bytes at AT_RANDOM that seed the runtime's hashes (nil: no AT_RANDOM, /dev/urandom instead).
//
//go:linkname startupRandomData runtime.startupRandomData
var startupRandomData []byte

func main() {
	if len(os.Args) == 2 && os.Args[1] == "smaps" {
		smaps, err := os.ReadFile("/proc/self/smaps")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(smaps)
		return
	}
	fmt.Printf("args: %q\n", os.Args)
	fmt.Printf("STARTSTATE_VAR: %q\n", os.Getenv("STARTSTATE_VAR"))
	exe, err := os.Executable()
	fmt.Printf("executable: %s %v\n", exe, err)
	fmt.Printf("page size: %d\n", os.Getpagesize())
	fmt.Printf("AT_RANDOM: %d bytes\n", len(startupRandomData))
	fmt.Println("vDSO clock_gettime:", vdsoClockLocation())
	fmt.Println("clock:", clockAgreesWithTheKernel())
	fmt.Println("goroutines:", sumOnThreads(8, 100000))
	fmt.Println("signal:", signalToSelf())
	fmt.Println("cgo:", cgoReport())
	os.Exit(3)
}

// Whether the clock_gettime the runtime found through AT_SYSINFO_EHDR lies in the [vdso] mapping.
func vdsoClockLocation() string {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(maps), "\n") {
		var start, end uintptr
		if !strings.HasSuffix(line, "[vdso]") {
			continue
		}
		if _, err := fmt.Sscanf(line, "%x-%x", &start, &end); err == nil {
			if start <= vdsoClockgettimeSym && vdsoClockgettimeSym < end {
				return "in [vdso]"
			}
			return fmt.Sprintf("%#x, not in [vdso] %#x-%#x", vdsoClockgettimeSym, start, end)
		}
	}
	return fmt.Sprintf("%#x, and no [vdso] mapping", vdsoClockgettimeSym)
}

// time.Now reads the clock through the vDSO the runtime found in the auxv (AT_SYSINFO_EHDR);
// a file's modification time comes from the kernel itself.
func clockAgreesWithTheKernel() string {
	before := time.Now()
	f, err := os.CreateTemp("", "startstate-clock")
	if err != nil {
		return err.Error()
	}
	defer os.Remove(f.Name())
	info, err := f.Stat()
	f.Close()
	if err != nil {
		return err.Error()
	}
	after := time.Now()
	if skew := info.ModTime().Sub(before); skew < -time.Second || info.ModTime().Sub(after) > time.Second {
		return fmt.Sprintf("vDSO %v, kernel %v", before, info.ModTime())
	}
	if after.Sub(before) < 0 {
		return "the monotonic clock went back"
	}
	return "agrees with the kernel"
}

// Goroutines locked to OS threads each add their share, so that clone and thread-local state work.
func sumOnThreads(threads, n int) int {
	results := make(chan int)
	for t := 0; t < threads; t++ {
		go func(t int) {
			runtime.LockOSThread()
			sum := 0
			for i := t; i < n; i += threads {
				sum += i
			}
			results <- sum
		}(t)
	}
	total := 0
	for t := 0; t < threads; t++ {
		total += <-results
	}
	return total
}

// The runtime's own signal handlers (installed with its restorer) deliver SIGUSR1 to a channel.
func signalToSelf() string {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		return err.Error()
	}
	select {
	case s := <-ch:
		return s.String()
	case <-time.After(10 * time.Second):
		return "no signal"
	}
}
