package ratelimit

import (
	"testing"
	"time"
)

func TestBurstThenRefusedWithAWait(t *testing.T) {
	l := New(time.Hour, 3)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("10.0.0.1")
	if ok || wait < time.Minute {
		t.Fatalf("fourth attempt: ok=%v wait=%v, want refused with a long wait", ok, wait)
	}
	// A refused attempt does not use up a token, and other keys have their own bucket.
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Fatal("another address was refused")
	}
}
