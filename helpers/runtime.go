package helpers

import (
	"runtime"
	"strconv"
	"time"
)

// RuntimeInfo shows facts about the node and the Go runtime it runs on,
// as IEx's runtime_info does.
func (e *Env) RuntimeInfo() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.section("System and architecture", [][2]string{
		{"Go version", runtime.Version()},
		{"Platform", runtime.GOOS + "/" + runtime.GOARCH},
		{"CPUs", strconv.Itoa(runtime.NumCPU())},
		{"GOMAXPROCS", strconv.Itoa(runtime.GOMAXPROCS(0))},
	})
	e.section("Node", [][2]string{
		{"Name", e.Node.Name()},
		{"Uptime", e.Node.Uptime().Round(time.Second).String()},
		{"Processes", strconv.Itoa(e.Node.ProcessCount())},
		{"Modules loaded", e.modulesLoaded()},
	})
	e.section("Memory", [][2]string{
		{"Heap in use", byteSize(int(ms.HeapInuse))},
		{"Heap objects", strconv.FormatUint(ms.HeapObjects, 10)},
		{"Stacks", byteSize(int(ms.StackInuse))},
		{"From the OS", byteSize(int(ms.Sys))},
		{"Goroutines", strconv.Itoa(runtime.NumGoroutine())},
		{"GC cycles", strconv.FormatUint(uint64(ms.NumGC), 10)},
	})
}

func (e *Env) modulesLoaded() string {
	if e.Code == nil {
		return "-"
	}
	return strconv.Itoa(len(e.Code.AllLoaded()))
}

// section shows a titled list of name: value lines, aligned.
func (e *Env) section(title string, rows [][2]string) {
	e.printf("## %s\n\n", title)
	w := 0
	for _, r := range rows {
		w = max(w, len(r[0]))
	}
	for _, r := range rows {
		e.printf("%-*s  %s\n", w+1, r[0]+":", r[1])
	}
	e.printf("\n")
}
