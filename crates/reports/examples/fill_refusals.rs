//! Fills a store with N refusals spread over one day (2026-11-20 UTC), through
//! `Store::append` in batches of 10,000 so the projection is the real one: the data of the
//! report benchmark (`bench/report-vs-sqlite.sh`).
//!
//! Usage: `cargo run --release -p switchboard-reports --example fill_refusals -- DIR [N]`

use strum::VariantArray;
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, StationId};
use switchboard_core::model::RefusalReason;
use switchboard_core::time::Timestamp;
use switchboard_store::{Durability, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: fill_refusals DIR [N]")?;
    let n: u64 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let mut store = Store::open(std::path::Path::new(&dir), Durability::Normal)?;
    let day_start = 1_795_132_800_000_i64; // 2026-11-20T00:00:00Z
    let step = 86_400_000 / n.max(1) as i64;
    let agents: Vec<(AgentId, String, StationId)> = (0..1_000)
        .map(|i| {
            (
                AgentId::new(&format!("agent-{i:04}")),
                // Every tenth name needs CSV quoting.
                if i % 10 == 0 {
                    format!("Lee, Ann {i}")
                } else {
                    format!("Ann Lee {i}")
                },
                StationId::new(&format!("st-{i:04}")),
            )
        })
        .collect();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let (agent, name, station) = &agents[(i % 1_000) as usize];
        batch.push(EventRecord {
            at: Timestamp(day_start + i as i64 * step),
            event: Event::OfferRefused {
                offer: None,
                contact: ContactId(i + 1),
                agent: agent.clone(),
                agent_full_name: name.clone(),
                station: station.clone(),
                reason: RefusalReason::VARIANTS[(i % 12) as usize],
                cause_code: None,
                excluded_until: Timestamp(0),
                decline_reason: None,
            },
        });
        if batch.len() == 10_000 {
            store.append(&batch)?;
            batch.clear();
        }
    }
    store.append(&batch)?;
    eprintln!("{n} refusals in {dir}");
    Ok(())
}
