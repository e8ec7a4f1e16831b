package apitest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Cluster is a PostgreSQL server of the test's own, which it may stop and start (an outage, a restart)
// without disturbing anyone else's databases. It is a real server, from the machine's PostgreSQL
// binaries (Debian's /usr/lib/postgresql/<version>/bin).
type Cluster struct {
	URL  string
	bin  string
	dir  string
	port int
	t    testing.TB
}

// NewCluster initialises and starts a throwaway cluster for t, stopped at the end of the test. Without
// PostgreSQL's binaries the test is skipped, except under CI=true, where that is a failure.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL's server binaries (initdb, pg_ctl) are needed for this test")
		}
		t.Skip("no PostgreSQL server binaries (initdb) on this machine")
	}
	sort.Strings(bins)
	c := &Cluster{bin: filepath.Dir(bins[len(bins)-1]), t: t}
	var err error
	if c.dir, err = os.MkdirTemp("", "gojoser-cluster-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	if os.Geteuid() == 0 {
		// initdb refuses to run as root; the cluster belongs to the postgres user, as the system's does.
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user for the test cluster: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run("initdb", "-D", c.dir+"/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	c.Start()
	t.Cleanup(func() { _ = c.pgctl("stop", "-m", "immediate") })
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	return c
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir)
	if err := c.pgctl("start", "-w", "-l", c.dir+"/log", "-o", opts); err != nil {
		log, _ := os.ReadFile(c.dir + "/log")
		c.t.Fatalf("start PostgreSQL: %v\n%s", err, log)
	}
}

// Stop shuts the server down the way a restart does: connections are cut, new ones refused.
func (c *Cluster) Stop() {
	c.t.Helper()
	if err := c.pgctl("stop", "-w", "-m", "fast"); err != nil {
		c.t.Fatalf("stop PostgreSQL: %v", err)
	}
}

func (c *Cluster) pgctl(args ...string) error {
	return c.command("pg_ctl", append([]string{"-D", c.dir + "/data"}, args...)...).Run()
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// command runs one of PostgreSQL's programs, as the postgres user when we are root.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if os.Geteuid() != 0 {
		return exec.Command(path, args...)
	}
	quoted := make([]string, 0, len(args)+1)
	for _, a := range append([]string{path}, args...) {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return exec.Command("su", "postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
}
