package interp

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// Interrupt stops the interpreted code that in is running, at its next
// step: what yaegi's own cancellation does when the context given to
// ExecuteWithContext is done, by changing the run id the interpreter's
// loops compare their frame's with.
//
// Callers do not use ExecuteWithContext because it returns when the
// context is done, without waiting for the run to stop: the run then
// writes its results into ExecuteWithContext's, a data race, and nothing
// tells the caller when the interpreter is free again. They run Execute
// in a goroutine of their own instead, which they can wait for, and stop
// it here.
//
// It reports false if the interpreter has no run id to change (a yaegi
// other than the version go.mod pins; TestInterrupt fails for it); the
// run then goes on until it ends by itself.
func Interrupt(in *yaegi.Interpreter) bool {
	id := reflect.ValueOf(in).Elem().FieldByName("id")
	if !id.IsValid() || id.Kind() != reflect.Uint64 {
		return false
	}
	atomic.AddUint64((*uint64)(unsafe.Pointer(id.UnsafeAddr())), 1)
	return true
}
