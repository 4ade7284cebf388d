//! `switchboard demo`: the server with the demo configuration (`crates/demo/assets/demo.toml`:
//! three teams, twelve agents, sales/support/chat queues, callbacks) and simulated live
//! traffic: customers, agents and a telephony connector, all through the engine, so the web
//! UI, the API, the live event stream and the reports show a contact centre at work.

use crate::server_cmd::{init_logging, parse_speed, start};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_core::ids::AgentId;
use switchboard_demo::{self as demo, Traffic, TrafficOptions};
use switchboard_server::auth::Role;
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
    /// Make fresh random API keys instead of the well-known demo secrets. Always done when
    /// --listen is not a loopback address, so a demo reachable by others cannot be opened
    /// with a secret printed in the documentation.
    #[arg(long)]
    fresh_keys: bool,
}

/// An API key shown in the banner.
struct ShownKey {
    who: String,
    role: Role,
    /// For an agent key: its agent.
    agent: Option<String>,
    secret: String,
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
    let fresh_keys = args.fresh_keys || !args.listen.ip().is_loopback();
    let config = data.join("demo.toml");
    let config_text = if fresh_keys {
        demo::config_without_keys()
    } else {
        demo::CONFIG
    };
    std::fs::write(&config, config_text)
        .with_context(|| format!("while writing {}", config.display()))?;
    let keys = if fresh_keys {
        demo::create_keys(&data)
            .context("while making the demo keys")?
            .into_iter()
            .map(|k| ShownKey {
                who: describe(
                    k.role.as_str(),
                    k.agent.as_ref().map(|a| a.as_str()),
                    k.data_download,
                ),
                role: k.role,
                agent: k.agent.as_ref().map(|a| a.as_str().to_string()),
                secret: k.secret,
            })
            .collect()
    } else {
        fixed_keys()
    };
    let options = ServeOptions {
        config: Some(config),
        data: data.clone(),
        listen: args.listen,
        speed: args.speed,
        durability: Durability::Normal,
        streams: Default::default(),
        connections: Default::default(),
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
        print_banner(running.addr, &data, args.speed, temp.is_some(), &keys);
        stop.await;
        eprintln!("switchboard: demo shutting down");
        traffic.stop().await;
        running.shutdown().await
    });
    drop(runtime);
    drop(temp);
    result
}

/// The well-known demo keys of `assets/demo.toml`.
fn fixed_keys() -> Vec<ShownKey> {
    demo::keys()
        .into_iter()
        .filter_map(|k| {
            let role = k.role.parse::<Role>().ok()?;
            Some(ShownKey {
                who: describe(&k.role, k.agent.as_deref(), k.data_download),
                role,
                agent: k.agent.clone(),
                secret: k.secret?,
            })
        })
        .collect()
}

fn describe(role: &str, agent: Option<&str>, data_download: bool) -> String {
    match agent {
        Some(agent) => format!("{role} {agent}"),
        None if data_download && role != "admin" => format!("{role} + data download"),
        None => role.to_string(),
    }
}

fn print_banner(
    addr: SocketAddr,
    data: &std::path::Path,
    speed: f64,
    temporary: bool,
    keys: &[ShownKey],
) {
    let secret = |role| {
        keys.iter()
            .find(|k| k.role == role)
            .map(|k| k.secret.as_str())
            .unwrap_or_default()
    };
    let supervisor = secret(Role::Supervisor);
    let connector = secret(Role::Connector);
    println!("switchboard demo: listening on http://{addr} (clock speed {speed})");
    println!();
    // The key (and station) ride in the fragment, which the browser never sends: the page
    // signs in with them, keeps them for the tab only and takes them out of the address.
    println!("  supervisor console: http://{addr}/supervisor#key={supervisor}");
    for key in keys.iter().filter(|k| k.role == Role::Agent) {
        let Some(agent) = key.agent.as_deref() else {
            continue;
        };
        let station = demo::station_of(&AgentId::new(agent)).unwrap_or_default();
        println!(
            "  agent desktop {agent}:   http://{addr}/agent#key={}&station={station}",
            key.secret
        );
    }
    println!("  reports:            http://{addr}/reports#key={supervisor}");
    println!("  live monitor:       http://{addr}/#key={supervisor}");
    println!("  API docs:           http://{addr}/docs");
    println!(
        "  data:               {}{}",
        data.display(),
        if temporary {
            " (temporary: removed when the demo ends)"
        } else {
            ""
        }
    );
    println!();
    println!("  demo API keys (Authorization: Bearer <secret>):");
    for key in keys {
        println!("    {:<28} {}", key.who, key.secret);
    }
    println!();
    println!("  try:");
    println!("    curl -H 'Authorization: Bearer {supervisor}' http://{addr}/v1/monitor/queues");
    println!("    curl -N -H 'Authorization: Bearer {connector}' http://{addr}/v1/events");
    println!();
    println!("  Ctrl-C stops the demo.");
}
