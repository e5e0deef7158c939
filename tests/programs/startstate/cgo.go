// cgo: the cgo build of startstate links glibc dynamically; C code sees the same process.

package main

// #include <stdlib.h>
// #include <unistd.h>
import "C"

import (
	"os"
	"unsafe"
)

func cgoReport() string {
	if int(C.getpid()) != os.Getpid() {
		return "C and Go disagree on the pid"
	}
	name := C.CString("STARTSTATE_VAR")
	defer C.free(unsafe.Pointer(name))
	return "getenv from C: " + C.GoString(C.getenv(name))
}
