package bench

import (
	"os"
	"strconv"
)

// envInt reads a positive size from the environment (benchmarks are sized by env vars,
// small by default so `go test -bench` stays quick).
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
