//! `switchboard demo`: the server with the demo configuration (`crates/server/assets/demo.toml`:
//! three teams, twelve agents, sales/support/chat queues, callbacks) and simulated live
//! traffic: customers, agents and a telephony connector, all through the engine, so the web
//! UI, the API, the live event stream and the reports show a contact centre at work.

use crate::server_cmd::{init_logging, parse_speed, start};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_server::auth::Role;
use switchboard_server::demo::{self, Traffic, TrafficOptions};
use switchboard_server::{ServeOptions, shutdown_signal};
use switchboard_store::Durability;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Run the clock and the traffic N times faster than real time (above 0, at most 10000).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_speed)]
    speed: f64,
    /// Data directory (the embedded store); default: a fresh temporary directory, removed
    /// when the demo ends. With a directory given, the journal stays for `switchboard report`.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Seed of the simulated traffic (same seed, same customers and agent behaviour).
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
}

/// Runs the demo until Ctrl-C or SIGTERM, then shuts down gracefully.
pub fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    init_logging();
    // Kept for the whole run (removed on exit) unless --data names a directory.
    let temp = match &args.data {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("switchboard-demo-")
                .tempdir()
                .context("while making a temporary data directory")?,
        ),
    };
    let data = match (&args.data, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => unreachable!("a temporary directory is made when --data is absent"),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("while creating {}", data.display()))?;
    let config = data.join("demo.toml");
    std::fs::write(&config, demo::CONFIG)
        .with_context(|| format!("while writing {}", config.display()))?;
    let options = ServeOptions {
        config: Some(config),
        data: data.clone(),
        listen: args.listen,
        speed: args.speed,
        durability: Durability::Normal,
        feed_capacity: 65_536,
    };
    let runtime = crate::server_cmd::runtime()?;
    let result = runtime.block_on(async {
        let running = start(options).await?;
        let traffic = Traffic::start(
            running.state.driver.clone(),
            TrafficOptions {
                speed: args.speed,
                seed: args.seed,
            },
        );
        let stop = shutdown_signal().context("while installing the signal handlers")?;
        print_banner(running.addr, &data, args.speed, temp.is_some());
        stop.await;
        eprintln!("switchboard: demo shutting down");
        traffic.stop().await;
        running.shutdown().await
    });
    drop(runtime);
    drop(temp);
    result
}

fn print_banner(addr: SocketAddr, data: &std::path::Path, speed: f64, temporary: bool) {
    let secret = |role, agent| demo::key_secret(role, agent).unwrap_or_default();
    let supervisor = secret(Role::Supervisor, None);
    let connector = secret(Role::Connector, None);
    println!("switchboard demo: listening on http://{addr} (clock speed {speed})");
    println!();
    println!("  web UI:   http://{addr}/#key={supervisor}");
    println!("  API docs: http://{addr}/docs");
    println!(
        "  data:     {}{}",
        data.display(),
        if temporary {
            " (temporary: removed when the demo ends)"
        } else {
            ""
        }
    );
    println!();
    println!("  demo API keys (Authorization: Bearer <secret>):");
    for key in demo::keys() {
        let who = match (&key.agent, key.data_download) {
            (Some(agent), _) => format!("{} {agent}", key.role),
            (None, true) => format!("{} + data download", key.role),
            (None, false) => key.role.clone(),
        };
        println!("    {who:<28} {}", key.secret.as_deref().unwrap_or("-"));
    }
    println!();
    println!("  try:");
    println!("    curl -H 'Authorization: Bearer {supervisor}' http://{addr}/v1/monitor/queues");
    println!("    curl -N -H 'Authorization: Bearer {connector}' http://{addr}/v1/events");
    println!();
    println!("  Ctrl-C stops the demo.");
}
