//! `helpdesk privacy rotate-key --new-key FILE`: re-seals every ticket's personal data under a new key,
//! one bounded batch per transaction, while servers keep running; resumable, audited, and it says what
//! the operator does next.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use chrono::Utc;
use clap::Args;
use serde_json::json;

use crate::{
    app::privacy_vault,
    cli::{
        CliError,
        ticket_store::{close_store, open_store_with},
    },
    config::Settings,
    domain::{Actor, AuditAction, AuditRecord},
    privacy::DataKey,
    store::Store,
};

/// The actor the audit log names for rotations.
const ACTOR: &str = "cli";

/// Arguments of `helpdesk privacy rotate-key`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Reads every ticket of the configured store in ticket id order, BATCH at a time, and writes again, in
one transaction per batch, each one whose requester address, listed metadata values or requester blind
index are not under the new key yet (plain values written before privacy was turned on included). A
ticket already under the new key is only read, so a run that was interrupted (or a second run) does
the rest. Servers keep serving meanwhile: a batch holds the write lock for a moment, as a triage does.
A privacy.rotation_started and a privacy.rotation_finished audit entry (actor \"cli\") record each run.

The new key must be in the configuration already, as privacy.key_file (the usual case) or in
privacy.previous_key_files, and every server must have been restarted with it: a server opens only
what its own keys sealed. Step by step (docs/security.md):
  1. helpdesk privacy generate-key --output new.key
  2. privacy.key_file: new.key, privacy.previous_key_files: [old.key]; restart every server
  3. helpdesk privacy rotate-key --new-key new.key      (prints what is left)
  4. once it reports 0 left, remove old.key from privacy.previous_key_files, restart, destroy old.key

Exit status: 0 done; 1 a batch failed (what was done stays done; run it again); 2 usage or set-up
errors (the new key unreadable or not configured, no privacy.key_file, the store cannot be opened).")]
pub struct RotateKeyArgs {
    /// The key to re-seal under (a file written by `helpdesk privacy generate-key`).
    #[arg(long, value_name = "FILE")]
    pub new_key: PathBuf,
    /// Tickets read (and at most written) per transaction, 1 to 10,000.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch_size: u64,
}

/// What a run did.
#[derive(Debug, Default)]
struct Progress {
    scanned: u64,
    resealed: u64,
    batches: u64,
}

/// Re-seals the store under the new key and prints the progress and the next steps.
pub async fn run(args: RotateKeyArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let Some(configured) = privacy_vault(&settings.privacy).map_err(|e| CliError::Setup(e.to_string()))? else {
        return Err(CliError::Usage(
            "privacy.key_file is not set: put the new key there (and the key it replaces, if any, in \
             privacy.previous_key_files), restart every server, then run rotate-key"
                .into(),
        ));
    };
    let new = DataKey::load("--new-key", &args.new_key).map_err(|e| CliError::Setup(e.to_string()))?;
    let new_id = new.id().to_owned();
    if !configured.holds(&new_id) {
        return Err(CliError::Usage(format!(
            "--new-key {} (key id {new_id}) is not in the configuration: servers must hold a key before any \
             ticket is sealed under it. Put it in privacy.key_file and the current key in \
             privacy.previous_key_files, restart every server, then run rotate-key again",
            args.new_key.display()
        )));
    }
    let current_id = configured.current_key_id().to_owned();
    let ring = Arc::new(configured.rotating_to(new));
    let store = open_store_with(settings, Some(ring.clone())).await?;
    let actor = Actor::named(ACTOR);
    let started = json!({ "new_key_id": new_id, "key_ids": ring.key_ids(), "batch_size": args.batch_size });
    let record = AuditRecord::new(AuditAction::KeyRotationStarted, &actor, Utc::now(), started);
    if let Err(e) = store.record_audit(record).await {
        close_store(store).await;
        return Err(CliError::Failed(format!("cannot write the audit entry of the rotation: {e}")));
    }
    println!("re-sealing personal data under key {new_id} (key ids readable: {})", ring.key_ids().join(", "));
    let mut progress = Progress::default();
    let outcome = reseal_all(&store, args.batch_size, &mut progress).await;
    let left = store.count_not_current().await;
    let finished = json!({
        "new_key_id": new_id,
        "scanned": progress.scanned,
        "resealed": progress.resealed,
        "left": left.as_ref().ok(),
        "error": outcome.as_ref().err().map(ToString::to_string),
    });
    let recorded =
        store.record_audit(AuditRecord::new(AuditAction::KeyRotationFinished, &actor, Utc::now(), finished)).await;
    close_store(store).await;
    outcome.map_err(|e| {
        CliError::Failed(format!(
            "a batch failed after {} ticket(s) were re-sealed (they stay re-sealed; run rotate-key again): {e}",
            progress.resealed
        ))
    })?;
    recorded.map_err(|e| CliError::Failed(format!("cannot write the audit entry of the rotation: {e}")))?;
    let left = left.map_err(|e| CliError::Failed(format!("cannot count the tickets left: {e}")))?;
    println!(
        "done: {} ticket(s) read in {} batch(es), {} re-sealed; {left} left under other keys",
        progress.scanned, progress.batches, progress.resealed
    );
    print_next_steps(&args, &new_id, &current_id, left);
    Ok(ExitCode::SUCCESS)
}

/// Runs the batches from the first ticket to the last, printing each.
async fn reseal_all(store: &Store, batch_size: u64, progress: &mut Progress) -> Result<(), crate::store::StoreError> {
    let mut after: Option<String> = None;
    loop {
        let batch = store.reseal_tickets(after.as_deref(), batch_size).await?;
        if batch.scanned == 0 {
            return Ok(());
        }
        progress.batches += 1;
        progress.scanned += batch.scanned;
        progress.resealed += batch.resealed;
        println!(
            "batch {}: {} read, {} re-sealed (through {}; {} re-sealed so far)",
            progress.batches,
            batch.scanned,
            batch.resealed,
            batch.last_ticket_id.as_deref().unwrap_or("-"),
            progress.resealed
        );
        if batch.scanned < batch_size {
            return Ok(());
        }
        after = batch.last_ticket_id;
    }
}

fn print_next_steps(args: &RotateKeyArgs, new_id: &str, current_id: &str, left: u64) {
    let file = args.new_key.display();
    println!("next:");
    if current_id != new_id {
        println!(
            "  1. put {file} in privacy.key_file and the current key (id {current_id}) in \
             privacy.previous_key_files, and restart every server: until then they seal new tickets under \
             {current_id}"
        );
        println!("  2. run `helpdesk privacy rotate-key --new-key {file}` again to re-seal those");
        println!("  3. once it reports 0 left, remove the old key from privacy.previous_key_files and restart");
    } else if left == 0 {
        println!(
            "  every ticket is under key {new_id}: remove the other keys from privacy.previous_key_files, \
             restart every server, then destroy the old key files"
        );
    } else {
        println!(
            "  {left} ticket(s) were sealed under another key meanwhile (a server not restarted with \
             privacy.key_file = {file}?): restart every server with it and run rotate-key again; keep the \
             old keys in privacy.previous_key_files until it reports 0 left"
        );
    }
}
