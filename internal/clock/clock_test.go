package clock_test

import (
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/clock"
)

func TestFakeMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	f := clock.NewFake(start)
	if got := f.Now(); got.Location() != time.UTC || got.Nanosecond() != 123456000 || !got.Equal(start.Truncate(time.Microsecond)) {
		t.Fatalf("NewFake: %v (want UTC, microseconds)", got)
	}
	a := f.Now()
	if !f.Now().Equal(a) {
		t.Fatal("fake clock moved by itself")
	}
	f.Advance(90 * time.Minute)
	if d := f.Now().Sub(a); d != 90*time.Minute {
		t.Fatalf("Advance: moved %v", d)
	}
	f.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if f.Now().Year() != 2027 {
		t.Fatal("Set")
	}
	s := clock.System{}.Now()
	if s.Location() != time.UTC || s.Nanosecond()%1000 != 0 {
		t.Fatalf("System: %v", s)
	}
}
