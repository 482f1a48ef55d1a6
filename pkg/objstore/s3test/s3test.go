package s3test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/objstore"
)

// Version is the versitygw release installed when none is found.
const Version = "v1.8.0"

const (
	accessKey = "skaldtest"
	secretKey = "skaldtest-secret-key"
	bucket    = "skald-test"
)

// Start starts versitygw on a free loopback port and returns a config for a bucket on it that
// objstore.NewS3 creates on first use. The binary is found as $VERSITYGW, on PATH, in
// <repo root>/.tools or in ~/go/bin, and otherwise installed into <repo root>/.tools with
// go install (a few minutes, once).
func Start(t testing.TB) objstore.S3Config {
	t.Helper()
	return startServer(t, false)
}

// StartTLS is Start with the server on HTTPS, using a self-signed certificate for 127.0.0.1
// that the returned config trusts through CAFile.
func StartTLS(t testing.TB) objstore.S3Config {
	t.Helper()
	return startServer(t, true)
}

func startServer(t testing.TB, withTLS bool) objstore.S3Config {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	dir := t.TempDir()
	var args []string
	var certFile string
	if withTLS {
		certDir := t.TempDir()
		certFile = filepath.Join(certDir, "cert.pem")
		keyFile := filepath.Join(certDir, "key.pem")
		if err := writeSelfSigned(certFile, keyFile); err != nil {
			t.Fatalf("s3test: %v", err)
		}
		args = append(args, "--cert", certFile, "--key", keyFile)
	}
	// A port picked by the kernel can be taken again before versitygw binds it: retry.
	var lastErr error
	for range 3 {
		addr, err := freePort()
		if err != nil {
			t.Fatalf("s3test: %v", err)
		}
		if err := start(t, bin, addr, dir, args, withTLS); err != nil {
			lastErr = err
			continue
		}
		return objstore.S3Config{
			Endpoint:        addr,
			Region:          "us-east-1",
			Bucket:          bucket,
			AccessKeyID:     accessKey,
			SecretAccessKey: secretKey,
			Insecure:        !withTLS,
			CAFile:          certFile,
			PathStyle:       true,
			Timeout:         30 * time.Second,
			MaxRetries:      3,
			PartSize:        objstore.MinPartSize,
			CreateBucket:    true,
		}
	}
	t.Fatalf("s3test: start versitygw: %v", lastErr)
	return objstore.S3Config{}
}

func start(t testing.TB, bin, addr, dir string, args []string, withTLS bool) error {
	ctx, cancel := context.WithCancel(context.Background())
	args = append(append([]string{"--port", addr}, args...), "posix", dir)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cancel() // kills the process
		<-exited
	}
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	url := "http://" + addr + "/"
	if withTLS {
		url = "https://" + addr + "/"
		// Readiness only: the certificate is checked by the tests' own clients.
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec
	}
	for {
		select {
		case err := <-exited:
			cancel()
			return fmt.Errorf("versitygw exited: %v: %s", err, out.String())
		default:
		}
		// Any HTTP answer (an S3 error for an unsigned request) means it is serving.
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			t.Cleanup(stop)
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("versitygw not ready on %s after 30s: %s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("pick a port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// Binary returns the path of a versitygw binary, installing it if needed.
func Binary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	root, rootErr := repoRoot()
	if rootErr == nil {
		if p := filepath.Join(root, ".tools", "versitygw"); isExec(p) {
			return p, nil
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "versitygw"); isExec(p) {
			return p, nil
		}
	}
	if rootErr != nil {
		return "", rootErr
	}
	return install(filepath.Join(root, ".tools"))
}

// install builds versitygw into a private directory and renames it into tools, so that test
// binaries installing it at the same time never see a half-written file.
func install(tools string) (string, error) {
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	tmp, err := os.MkdirTemp(tools, ".install-")
	if err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("install versitygw %s: %w: %s", Version, err, out)
	}
	dst := filepath.Join(tools, "versitygw")
	if err := os.Rename(filepath.Join(tmp, "versitygw"), dst); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	return dst, nil
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// repoRoot finds the directory holding go.work, from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.work above the working directory")
		}
		dir = parent
	}
}
