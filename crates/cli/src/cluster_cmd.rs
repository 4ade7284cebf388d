//! `switchboard domains …` and `switchboard keys … --store URL`: a cluster's routing domains
//! and keys, straight in its PostgreSQL database (no node needs to run).

use crate::server_cmd::{KeyRole, KeysView, now_ms, runtime};
use crate::sim_cmd::InputError;
use clap::{Args, Subcommand};
use switchboard_server::auth;
use switchboard_store::NewKey;
use switchboard_store::postgres::{Cluster, valid_domain_name};

#[derive(Debug, Args)]
pub struct DomainsArgs {
    #[command(subcommand)]
    action: DomainsAction,
    /// The cluster's PostgreSQL database (what `serve --store` names).
    #[arg(long, value_name = "URL", global = true)]
    store: Option<String>,
}

#[derive(Debug, Subcommand)]
enum DomainsAction {
    /// Create a routing domain; a node takes it within a third of the lease time.
    Create { name: String },
    /// List the domains, with the node serving each.
    List,
    /// Delete a domain and all its data (journal, snapshots, reports, keys).
    Delete { name: String },
}

fn input(error: impl std::fmt::Display) -> anyhow::Error {
    InputError(error.to_string()).into()
}

async fn connect(store: &str) -> anyhow::Result<Cluster> {
    Cluster::connect(store, 2)
        .await
        .map_err(|e| input(format!("--store: {e}")))
}

pub fn domains(args: &DomainsArgs) -> anyhow::Result<()> {
    let Some(store) = &args.store else {
        return Err(input(
            "domains needs --store URL (the cluster's PostgreSQL database)",
        ));
    };
    runtime()?.block_on(async {
        let cluster = connect(store).await?;
        match &args.action {
            DomainsAction::Create { name } => {
                if !valid_domain_name(name) {
                    return Err(input(format!(
                        "{name:?}: a domain name is 1–63 of a-z, 0-9, - and _, starting with a letter"
                    )));
                }
                if !cluster.create_domain(name, now_ms()).await? {
                    return Err(input(format!("domain {name} exists already")));
                }
                eprintln!("switchboard: domain {name} created");
            }
            DomainsAction::List => {
                println!("domain\towner\tepoch\tcreated");
                for domain in cluster.domains().await? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        domain.domain,
                        domain.owner.as_deref().unwrap_or("-"),
                        domain.epoch,
                        switchboard_server::clock::rfc3339(domain.created_at)
                    );
                }
            }
            DomainsAction::Delete { name } => {
                if !cluster.delete_domain(name).await? {
                    return Err(input(format!("no domain {name}")));
                }
                eprintln!("switchboard: domain {name} and all its data deleted");
            }
        }
        Ok(())
    })
}

/// `keys create|list|revoke --store URL [--domain NAME]`.
pub fn keys(action: &KeysView<'_>, store: &str, domain: Option<&str>) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let cluster = connect(store).await?;
        let domain = match (action, domain) {
            (
                KeysView::Create {
                    role: KeyRole::ClusterAdmin,
                    ..
                },
                Some(_),
            ) => {
                return Err(input(
                    "a cluster-admin key belongs to no domain: leave --domain out",
                ));
            }
            (
                KeysView::Create {
                    role: KeyRole::ClusterAdmin,
                    ..
                },
                None,
            ) => None,
            (_, Some(domain)) => {
                if !cluster.domain_exists(domain).await? {
                    return Err(input(format!(
                        "--domain {domain}: no such domain (switchboard domains create {domain})"
                    )));
                }
                Some(domain)
            }
            (KeysView::List, None) => None,
            (_, None) => {
                return Err(input("with --store, name the key's domain: --domain NAME"));
            }
        };
        match action {
            KeysView::Create {
                role,
                agent,
                data_download,
                label,
                expires_at,
            } => {
                let role_name = match role {
                    KeyRole::ClusterAdmin => switchboard_server::cluster::CLUSTER_ADMIN,
                    KeyRole::Domain(role) => role.as_str(),
                };
                if (*role == KeyRole::Domain(auth::Role::Agent)) != agent.is_some() {
                    return Err(input(
                        "an agent key needs --agent ID, and only an agent key takes one",
                    ));
                }
                let secret = auth::generate_secret()?;
                let key = NewKey {
                    hash: auth::hash_secret(&secret),
                    label: label.to_string(),
                    role: role_name.to_string(),
                    agent: agent.map(str::to_string),
                    data_download: *data_download
                        || matches!(role, KeyRole::Domain(auth::Role::Admin)),
                    created_at: now_ms(),
                    expires_at: *expires_at,
                };
                let id = cluster.insert_key(domain, &key).await?;
                eprintln!(
                    "switchboard: key {id} ({role_name}{}) created; it is shown only now:",
                    domain.map_or(String::new(), |d| format!(" of domain {d}"))
                );
                println!("{secret}");
            }
            KeysView::List => {
                let Some(domain) = domain else {
                    return Err(input("keys list --store needs --domain NAME"));
                };
                crate::server_cmd::print_keys(&cluster.domain(domain).keys().await?);
            }
            KeysView::Revoke(id) => {
                let domain = domain.expect("checked above");
                if !cluster.domain(domain).revoke_key(*id, now_ms()).await? {
                    return Err(input(format!(
                        "no live key with id {id} in domain {domain}"
                    )));
                }
                eprintln!("switchboard: key {id} revoked");
            }
        }
        Ok(())
    })
}
