//! A whole run: the main server and its scenarios (the latency-vs-load sweep with the baseline,
//! batches, streams and the physical anchor, then the reads over a filled store, then the soak), the
//! near-duplicate levels on servers of their own, the CLI, and the targets.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use helpdesk_client::proto;

use crate::{
    anchor,
    args::{Args, Plan},
    cli_run, duplicates, durability,
    error::{BenchError, InStep},
    generated, goals, idle,
    load::{self, Measurement, Shape},
    machine, overload,
    pinning::Pinning,
    report::{Meta, Ratios, Reliability, Report, ScenarioResult, Soak, SweepPoint},
    scenarios::{Op, Runner, budget, catalogue, catalogue::Scenario, for_secs, reads, stream},
    server::{self, Server, ServerSetup},
    tickets::{Record, TicketSource, read_records},
    watch::Watch,
};

/// The workspace this binary was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `helpdesk` beside this binary (both are built into the same target folder), else under
/// `CARGO_TARGET_DIR` or the workspace's `target/`.
fn default_server_bin(root: &Path) -> PathBuf {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join("helpdesk")));
    if let Some(path) = beside.filter(|p| p.is_file()) {
        return path;
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("release/helpdesk"),
        None => root.join("target/release/helpdesk"),
    }
}

/// What the main server's scenarios measured, before the report is put together.
struct Measured {
    results: Vec<ScenarioResult>,
    sweep: Vec<SweepPoint>,
    fill: Option<Measurement>,
    stored_before_reads: u64,
    anchor: Option<anchor::Anchor>,
    soak: Option<Soak>,
}

/// Runs everything `args` ask for.
pub async fn run(args: &Args, pinning: &Pinning) -> Result<Report, BenchError> {
    let started = Instant::now();
    let plan = Plan::of(args);
    let root = workspace_root();
    let (records, tickets) = ticket_records(args, &root)?;
    let (date, compact) = machine::today();
    let source = Arc::new(TicketSource::new(records, &compact, &machine::run_tag()));
    let scratch = tempfile::Builder::new()
        .prefix("helpdesk-bench-")
        .tempdir()
        .map_err(|e| BenchError::new("scratch folder", e.to_string()))?;
    let binary = args.server_bin.clone().unwrap_or_else(|| default_server_bin(&root));
    let setup = ServerSetup {
        binary: binary.clone(),
        store: scratch.path().join("main"),
        cache: args.cache,
        duplicates: args.duplicates,
        core: pinning.server_core,
        env: Vec::new(),
    };
    let mut notes = vec![format!("load average when the run began: {}", load_average())];
    let mut server_log = Vec::new();
    let on_off = |b: bool| if b { "on" } else { "off" };
    let (mode, server_settings) = match &args.target {
        Some(url) => (format!("an already running server at {url}"), "as that server was started".to_owned()),
        None => (
            format!("`{}` started by the bench", shown(&binary, &root)),
            format!(
                "SQLite file store in a fresh temporary folder, cache {}, near-duplicate detection {}, log level warn, escalation sweep off",
                on_off(args.cache),
                on_off(args.duplicates)
            ),
        ),
    };

    let measured = match &args.target {
        Some(url) => {
            notes.push("--target: the physical anchor, the near-duplicate levels and the CLI run need a server the bench starts; not measured".to_owned());
            let watch = Watch { server: args.server_pid, every: Duration::from_millis(100) };
            let mut runner = Runner { target: url.clone(), watch, server: None };
            main_scenarios(&mut runner, &plan, &source, None, &mut notes).await?
        }
        None => {
            eprintln!("starting {} (store {})", binary.display(), setup.store.display());
            let mut server = Server::start(&setup).await.in_step("starting the server")?;
            let watch = Watch { server: Some(server.pid), every: Duration::from_millis(100) };
            let url = server.url.clone();
            let measured = {
                let mut runner = Runner { target: url, watch, server: Some(&mut server) };
                let anchor_setup = ServerSetup { store: scratch.path().join("anchor"), ..setup.clone() };
                main_scenarios(&mut runner, &plan, &source, Some((&setup, &anchor_setup)), &mut notes).await?
            };
            server_log.extend(server.logged());
            server.stop().await.in_step("stopping the server")?;
            measured
        }
    };

    let reliability = match &args.target {
        None => Some(reliability(&setup, scratch.path(), &source, &plan, &mut server_log).await?),
        Some(_) => {
            notes.push("--target: the durability, overload and idle-stream figures need servers the bench starts; not measured".to_owned());
            None
        }
    };

    let (dups, cli) = if args.target.is_none() {
        eprintln!("near-duplicate levels {:?}", plan.duplicate_levels);
        let base = ServerSetup { duplicates: false, ..setup.clone() };
        let dups = duplicates::run(
            &base,
            scratch.path(),
            &source,
            &compact,
            &plan.duplicate_levels,
            plan.duplicate_calls,
            &mut server_log,
        )
        .await?;
        notes.push("the near-duplicate levels above 0 are seeded straight into the stopped server's SQLite file (copies of the ticket, result, fingerprint and band rows the server wrote for the text; no audit entries), then the server stores more copies on top".to_owned());
        eprintln!("helpdesk triage on {} tickets", plan.cli_tickets);
        let cli_dir = scratch.path().join("cli");
        std::fs::create_dir_all(&cli_dir).map_err(|e| BenchError::new("the CLI run", e.to_string()))?;
        let cli = cli_run::run(&binary, &cli_dir, &source, plan.cli_tickets).in_step("the CLI run")?;
        (dups, Some(cli))
    } else {
        (Vec::new(), None)
    };

    let stream_to_anchor = measured.anchor.as_ref().and_then(|a| {
        measured
            .results
            .iter()
            .find(|r| r.key == catalogue::STREAM.key)
            .map(|s| s.saturated.items_per_sec / a.tickets_per_sec)
    });
    let mut report = Report {
        meta: Meta {
            date,
            commit: machine::commit(&root),
            machine: machine::describe(),
            command: command_line(),
            mode,
            server_settings,
            pinning: pinning.note.clone(),
            tickets,
            quick: args.quick,
            full: args.full,
            seconds: 0.0,
        },
        scenarios: measured.results,
        sweep: measured.sweep,
        stored_before_reads: measured.stored_before_reads,
        fill: measured.fill,
        duplicates: dups,
        anchor: measured.anchor,
        stream_to_anchor,
        cli,
        soak: measured.soak,
        reliability,
        targets: Vec::new(),
        server_log,
        notes,
    };
    report.targets = goals::check(&report);
    report.meta.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Durability's cost, then health at four times the in-flight capacity, then idle streams.
async fn reliability(
    setup: &ServerSetup,
    scratch: &Path,
    source: &Arc<TicketSource>,
    plan: &Plan,
    server_log: &mut Vec<String>,
) -> Result<Reliability, BenchError> {
    let base = ServerSetup { duplicates: false, ..setup.clone() };
    eprintln!("durability: power-loss (synchronous=FULL) and process-crash (NORMAL)");
    let durability = durability::run(&base, scratch, source, plan, server_log).await?;
    let overload = overload::run(&base, scratch, source, plan.overload_secs, server_log).await?;
    let (streams, idle_secs) = plan.idle_streams;
    let idle = idle::run(&base, scratch, source, streams, idle_secs, server_log).await?;
    Ok(Reliability { durability, overload, idle })
}

fn result(s: Scenario, one: Measurement, saturated: Measurement, base: (&Measurement, &Measurement)) -> ScenarioResult {
    ScenarioResult {
        key: s.key.to_owned(),
        name: s.name.to_owned(),
        what: s.what.to_owned(),
        basis: s.basis,
        ratio_one: Ratios::of(&one, base.0, s.basis),
        ratio_saturated: Ratios::of(&saturated, base.1, s.basis),
        one,
        saturated,
    }
}

async fn main_scenarios(
    runner: &mut Runner<'_>,
    plan: &Plan,
    source: &Arc<TicketSource>,
    anchor_setup: Option<(&ServerSetup, &ServerSetup)>,
    notes: &mut Vec<String>,
) -> Result<Measured, BenchError> {
    let one = budget(plan.one.0, plan.one.1);
    let saturated = for_secs(plan.saturated_secs);
    let sat_shape = Shape::for_concurrency(plan.saturation);
    let triage = |kind: char, dry_run: bool| Op::Triage { source: source.clone(), kind, dry_run };

    eprintln!("warming up");
    runner.unary("warm-up Health/Check", Op::Health, Shape::for_concurrency(16), budget(2_000, 0.5)).await?;
    runner
        .unary("warm-up TriageTicket dry run", triage('W', true), Shape::for_concurrency(16), budget(500, 0.5))
        .await?;

    eprintln!("latency against load, offered concurrency {:?}", plan.sweep);
    let mut sweep = Vec::new();
    let mut at: HashMap<(&'static str, usize), Measurement> = HashMap::new();
    for &c in &plan.sweep {
        let shape = Shape::for_concurrency(c);
        let b = if c == 1 {
            one
        } else if c == plan.saturation {
            saturated
        } else {
            for_secs(plan.saturated_secs * 0.6)
        };
        for (s, op) in [
            (catalogue::HEALTH, Op::Health),
            (catalogue::TRIAGE_DRY, triage('Y', true)),
            (catalogue::TRIAGE_STORED, triage('T', false)),
        ] {
            let (m, _) = runner.unary(s.name, op, shape, b).await?;
            sweep.push(SweepPoint {
                key: s.key.to_owned(),
                name: s.name.to_owned(),
                concurrency: c,
                calls_per_sec: m.calls_per_sec,
                p50_us: m.latency.p50_us,
                p99_us: m.latency.p99_us,
            });
            at.insert((s.key, c), m);
        }
    }
    let take = |at: &mut HashMap<(&'static str, usize), Measurement>, key: &'static str, c: usize| {
        at.remove(&(key, c)).ok_or_else(|| BenchError::new(key, format!("no measurement at concurrency {c}")))
    };
    let (h1, hs) = (take(&mut at, catalogue::HEALTH.key, 1)?, take(&mut at, catalogue::HEALTH.key, plan.saturation)?);
    let mut results = Vec::new();
    for s in [catalogue::TRIAGE_DRY, catalogue::TRIAGE_STORED] {
        let (a, b) = (take(&mut at, s.key, 1)?, take(&mut at, s.key, plan.saturation)?);
        results.push(result(s, a, b, (&h1, &hs)));
    }

    eprintln!("BatchTriage and StreamTriage");
    let batch = Op::Batch { source: source.clone(), kind: 'B', size: plan.batch_size };
    let batch_shape = Shape::for_concurrency(16);
    let (b1, _) = runner.unary(catalogue::BATCH.name, batch.clone(), Shape::ONE, one).await?;
    let (bs, _) = runner.unary(catalogue::BATCH.name, batch, batch_shape, saturated).await?;
    results.push(result(catalogue::BATCH, b1, bs, (&h1, &hs)));
    notes.push(format!("saturation is {} for the unary calls, {} BatchTriage calls of {} for batches, and 4 streams x {} tickets in flight for StreamTriage", sat_shape.label(), batch_shape.label(), plan.batch_size, plan.stream_window));
    let stream_shape = Shape { connections: 4, streams: plan.stream_window };
    let (s1, _) = runner.stream(catalogue::STREAM.name, source.clone(), stream::KIND, Shape::ONE, one).await?;
    let (ss, _) = runner.stream(catalogue::STREAM.name, source.clone(), stream::KIND, stream_shape, saturated).await?;
    results.push(result(catalogue::STREAM, s1, ss, (&h1, &hs)));

    let anchor = match anchor_setup {
        Some((main, fresh)) => {
            eprintln!("physical anchor: the StreamTriage rows inserted again through sea-orm");
            server::migrate(fresh).in_step("the physical anchor (helpdesk migrate)")?;
            let a = anchor::run(
                &server::database_file(&main.store),
                &server::database_file(&fresh.store),
                &source.id_range(stream::KIND),
                100,
            )
            .await
            .in_step("the physical anchor")?;
            eprintln!("  {} tickets/s", crate::format::rate(a.tickets_per_sec));
            runner.alive("the physical anchor")?;
            Some(a)
        }
        None => None,
    };

    let mut client = load::connect(&runner.target, 1).await.in_step("reads")?.remove(0);
    let (total, _, _) = reads::common_filters(&mut client).await.in_step("GetStats before the fill")?;
    let fill = if total < plan.fill {
        eprintln!("filling the store to {} tickets", plan.fill);
        let (m, _) =
            runner.stream("fill", source.clone(), 'F', stream_shape, budget(plan.fill - total, 3_600.0)).await?;
        Some(m)
    } else {
        None
    };
    let ids = Arc::new(reads::stored_ids(&mut client, 10_000).await.in_step("GetTicket ids")?);
    let (stored_before_reads, status, queue) = reads::common_filters(&mut client).await.in_step("filters")?;
    let deep = reads::deep_token(&mut client, plan.deep_pages).await.in_step(catalogue::LIST_DEEP.name)?;
    notes.push(format!(
        "the deep page is page {} of 50 ({} tickets deep); the filters are the most common status ({}) and queue ({})",
        plan.deep_pages + 1,
        plan.deep_pages * 50,
        proto::Status::try_from(status).map(|s| s.as_str_name()).unwrap_or("?"),
        queue
    ));
    let page = |f: &dyn Fn(&mut proto::ListTicketsRequest)| {
        let mut r = proto::ListTicketsRequest { page_size: reads::PAGE_SIZE, ..Default::default() };
        f(&mut r);
        Op::List(r)
    };
    eprintln!("reads over {stored_before_reads} stored tickets");
    let read_ops = [
        (catalogue::GET, Op::Get(ids.clone())),
        (catalogue::LIST_FIRST, page(&|_| {})),
        (catalogue::LIST_DEEP, page(&|r| r.page_token = deep.clone())),
        (catalogue::LIST_STATUS, page(&|r| r.status = status)),
        (catalogue::LIST_QUEUE, page(&|r| r.queue = queue.clone())),
        (
            catalogue::LIST_BOTH,
            page(&|r| {
                r.status = status;
                r.queue = queue.clone();
            }),
        ),
        (catalogue::STATS, Op::Stats),
    ];
    for (s, op) in read_ops {
        let (a, _) = runner.unary(s.name, op.clone(), Shape::ONE, one).await?;
        let (b, _) = runner.unary(s.name, op, sat_shape, saturated).await?;
        results.push(result(s, a, b, (&h1, &hs)));
    }
    results.insert(0, result(catalogue::HEALTH, h1.clone(), hs.clone(), (&h1, &hs)));

    let soak = match plan.soak_secs {
        0 => None,
        secs => {
            eprintln!("soak: {secs} s of mixed saturation load");
            let mut soak_runner = Runner {
                target: runner.target.clone(),
                watch: Watch { every: Duration::from_secs(1), ..runner.watch },
                server: runner.server.as_deref_mut(),
            };
            let op = Op::Mixed { source: source.clone(), ids };
            let (m, watched) = soak_runner.unary("soak", op, sat_shape, for_secs(secs as f64)).await?;
            Some(Soak::of(m, watched.rss_series))
        }
    };
    Ok(Measured { results, sweep, fill, stored_before_reads, anchor, soak })
}

/// The records of `--tickets`, else of the shared dataset beside the workspace, else made up (with a
/// note in the report saying so).
fn ticket_records(args: &Args, root: &Path) -> Result<(Vec<Record>, String), BenchError> {
    let path = match &args.tickets {
        Some(path) => path.clone(),
        None => root.join("../shared/datasets/tickets-dev.jsonl"),
    };
    if args.tickets.is_none() && !path.is_file() {
        let records = generated::records();
        let what = format!("{} varied tickets made up by the bench ({} is missing)", records.len(), shown(&path, root));
        eprintln!("tickets: {what}");
        return Ok((records, what));
    }
    let records = read_records(&path).in_step("the tickets file")?;
    let what = format!("{} ({} records)", shown(&path, root), records.len());
    Ok((records, what))
}

/// `path` as the report shows it: relative to the workspace when it lies in or beside it (so the docs
/// name `../shared/datasets/...`, not this machine's folders), else as it is.
fn shown(path: &Path, root: &Path) -> String {
    let inside = path.strip_prefix(root).ok().filter(|p| !p.starts_with(".."));
    let beside = || {
        let beside = path.strip_prefix(root.join("..")).ok();
        beside.or_else(|| path.strip_prefix(root.parent()?).ok()).map(|p| Path::new("..").join(p))
    };
    inside.map(Path::to_path_buf).or_else(beside).unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("cargo run --release -p helpdesk-bench --{}", args.iter().map(|a| format!(" {a}")).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_workspace() {
        let root = Path::new("/work/wt");
        assert_eq!(shown(&root.join("../shared/datasets/t.jsonl"), root), "../shared/datasets/t.jsonl");
        assert_eq!(shown(Path::new("/work/target/release/helpdesk"), root), "../target/release/helpdesk");
        assert_eq!(shown(&root.join("target/release/helpdesk"), root), "target/release/helpdesk");
        assert_eq!(shown(Path::new("/opt/tickets.jsonl"), root), "/opt/tickets.jsonl");
    }
}
