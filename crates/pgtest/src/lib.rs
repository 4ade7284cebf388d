//! For tests and benchmarks only: a real PostgreSQL server of this machine's own (Debian's
//! `postgresql` package), started in a temporary directory on a free port on 127.0.0.1.
//!
//! - [`shared`] is one server per test process, started on first use; [`Server::database`]
//!   gives each test a fresh, empty database of its own on it.
//! - [`Server::start`] starts a server the caller owns (stopped when it is dropped), for
//!   benchmarks that want durable commits (`fsync` on).
//!
//! PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the
//! package creates. The server gets `PR_SET_PDEATHSIG` (SIGQUIT, PostgreSQL's immediate
//! shutdown) on a thread that lives as long as the process, so a test process that ends in
//! any way — a panic, `kill -9` — takes its server with it; the next run removes the
//! directories such servers left behind.
//!
//! Nothing here is mocked and nothing is skipped: without PostgreSQL's server programs, it
//! panics and says what to install.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where the server programs are looked for, besides `SWITCHBOARD_PG_BINDIR`.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
/// The superuser `initdb` creates (trust authentication on 127.0.0.1 only).
pub const USER: &str = "switchboard";
/// Names of the temporary directories, so a later run finds those a killed run left.
const DIR_PREFIX: &str = "switchboard-pg-";

/// How the server is tuned.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `fsync` on: a commit waits for the disk, as in production. Off for tests (a test kills
    /// Switchboard, never PostgreSQL, so durability against power cuts is not what it checks).
    pub fsync: bool,
    pub max_connections: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fsync: false,
            max_connections: 400,
        }
    }
}

/// A running PostgreSQL server.
pub struct Server {
    port: u16,
    bindir: PathBuf,
    dir: PathBuf,
    pid: u32,
    owned: bool,
}

/// The test process's one server, started on first use.
pub fn shared() -> &'static Server {
    static SHARED: OnceLock<Server> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut server = Server::start(Options::default());
        // It lives as long as the process; its death signal stops it then.
        server.owned = false;
        server
    })
}

impl Server {
    /// Starts a new server (initdb, then postgres) and waits until it accepts connections.
    pub fn start(options: Options) -> Server {
        let bindir = bindir();
        remove_abandoned_dirs();
        let dir = make_dir();
        let data = dir.join("data");
        let initdb = run_as_postgres(&mut Command::new(bindir.join("initdb")))
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bindir.join("initdb").display()));
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            match launch(&bindir, &dir, port, options) {
                Ok(pid) => {
                    return Server {
                        port,
                        bindir,
                        dir,
                        pid,
                        owned: true,
                    };
                }
                Err(error) => last_error = error,
            }
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// A new empty database with a name of its own; its connection URL.
    pub fn database(&self) -> String {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` with `psql` in database `name`; its output (unaligned, tuples only).
    pub fn psql(&self, name: &str, sql: &str) -> String {
        let output = Command::new(self.bindir.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                "-d",
                name,
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.owned {
            // SIGQUIT: immediate shutdown; the directory goes with it.
            unsafe { libc::kill(self.pid as i32, libc::SIGQUIT) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && alive(self.pid) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The directory of `initdb`, `postgres`, `pg_isready` and `psql`.
fn bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server programs (initdb, postgres) are not installed: the tests start \
             a real PostgreSQL. Install Debian's package: apt-get install postgresql \
             (scripts/test.sh does), or set SWITCHBOARD_PG_BINDIR to their directory"
        ),
    }
}

/// As root, the command runs as the `postgres` user (PostgreSQL refuses root).
fn run_as_postgres(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = postgres_user() {
        command.uid(uid).gid(gid);
    }
    command
}

/// The `postgres` user's ids when this process is root; `None` otherwise.
fn postgres_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").expect("no NUL");
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !entry.is_null(),
        "running as root, and there is no `postgres` user to run PostgreSQL as: install \
         Debian's postgresql package (it creates the user)"
    );
    let entry = unsafe { &*entry };
    Some((entry.pw_uid, entry.pw_gid))
}

fn make_dir() -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .tempdir()
        .expect("a temporary directory")
        .keep();
    std::fs::write(dir.join("owner.pid"), std::process::id().to_string()).expect("owner.pid");
    if let Some((uid, gid)) = postgres_user() {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown to postgres");
    }
    dir
}

/// Directories of servers whose test process is gone (a run killed before it cleaned up).
fn remove_abandoned_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(DIR_PREFIX));
        if !named {
            continue;
        }
        let owner = std::fs::read_to_string(path.join("owner.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok());
        if owner.is_some_and(|pid| !alive(pid)) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn alive(pid: u32) -> bool {
    // Signal 0 checks existence; a zombie child counts as gone once reaped.
    unsafe { libc::kill(pid as i32, 0) == 0 }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `postgres` on `port` from a thread that never ends (the parent of the death
/// signal), and waits until it accepts connections; its pid.
fn launch(bindir: &Path, dir: &Path, port: u16, options: Options) -> Result<u32, String> {
    let log = std::fs::File::create(dir.join("postgres.log")).map_err(|e| e.to_string())?;
    if let Some((uid, gid)) = postgres_user() {
        let _ = std::os::unix::fs::chown(dir.join("postgres.log"), Some(uid), Some(gid));
    }
    let mut command = Command::new(bindir.join("postgres"));
    run_as_postgres(&mut command)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-p", &port.to_string(), "-k"])
        .arg(dir)
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args([
            "-c",
            &format!("max_connections={}", options.max_connections),
        ])
        .args([
            "-c",
            &format!("fsync={}", if options.fsync { "on" } else { "off" }),
        ])
        .args(["-c", "shared_buffers=128MB"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            // After the uid change (std changes it first), so it is not cleared by it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (sender, receiver) = std::sync::mpsc::channel::<std::io::Result<Child>>();
    std::thread::Builder::new()
        .name(format!("postgres-{port}"))
        .spawn(move || {
            let _ = sender.send(command.spawn());
            loop {
                std::thread::park();
            }
        })
        .map_err(|e| e.to_string())?;
    let mut child = receiver
        .recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot run postgres: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
            return Err(format!("postgres exited ({status}): {log}"));
        }
        let ready = Command::new(bindir.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string(), "-U", USER])
            .status()
            .is_ok_and(|status| status.success());
        if ready {
            let pid = child.id();
            // The child is reaped by nobody while it runs; dropping the handle does not kill it.
            std::mem::forget(child);
            return Ok(pid);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("postgres did not accept connections within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fresh_database_answers_queries() {
        let server = super::shared();
        let url = server.database();
        let name = url.rsplit('/').next().unwrap();
        server.psql(
            name,
            "CREATE TABLE t (a int); INSERT INTO t VALUES (41), (1)",
        );
        assert_eq!(server.psql(name, "SELECT sum(a) FROM t"), "42");
    }
}
