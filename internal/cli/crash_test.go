package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serveChild starts this test binary as `sirt serve` on a free loopback port and waits
// until /healthz answers. The process is killed at test end if still running.
func serveChild(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+strings.Join([]string{"serve", "--addr", addr, "--data", data, "--log-level", "warn"}, "\x1f"))
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd, url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sirt serve did not become healthy in 30s: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling a child process for readiness
	}
}

// TestCrashLosesNoAcknowledgedWrite: a `sirt serve` killed with SIGKILL right after
// acknowledging writes has every one of them after a restart, and its audit trail
// verifies.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped with -short")
	}
	data := t.TempDir()
	tok := addAdmin(t, data)
	cmd, url := serveChild(t, data)

	const clients, perClient = 4, 40
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				name := fmt.Sprintf("crash-%d-%d", c, i)
				req, _ := http.NewRequest("POST", url+"/api/v1/tokens", strings.NewReader(`{"name": "`+name+`"}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					t.Errorf("%s: status %d", name, res.StatusCode)
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Right after the last acknowledgement: no graceful anything.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if t.Failed() {
		return
	}

	_, url = serveChild(t, data)
	req, _ := http.NewRequest("GET", url+"/api/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, it := range page.Items {
		have[it.Name] = true
	}
	var lost []string
	for _, n := range acked {
		if !have[n] {
			lost = append(lost, n)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after SIGKILL: %v", len(lost), len(acked), lost)
	}
	t.Logf("%d acknowledged writes, all present after SIGKILL and restart", len(acked))
	if r := run(t, "", "audit", "verify", "--data", data); r.code != 0 {
		t.Fatalf("audit verify after the crash: %s", r.stderr)
	}
}
