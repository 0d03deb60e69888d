//! `helpdesk train` and `helpdesk eval` through the built binary on a small made-up fixture, and the
//! triage engine using the model files they write (`models.category`, `models.queue`).

use std::{collections::BTreeMap, path::Path, path::PathBuf};

use crate::support::{Run, fixture, helpdesk, run};
use helpdesk_ai::{
    config::{ModelFile, ModelFiles, Settings},
    domain::{Priority, Status, Ticket},
    service::engine_from_settings,
    triage::result::{CategorySource, Predictor},
};

/// Trains a model of `label` on `tests/fixtures/labelled.csv` into `<dir>/<label>.model.json`.
fn train(dir: &Path, label: &str, extra: &[&str]) -> (Run, PathBuf) {
    let model = dir.join(format!("{label}.model.json"));
    let input = fixture("labelled.csv");
    let args = ["train", "--label", label, "--input"];
    let done = run(helpdesk(dir).args(args).arg(&input).arg("--output").arg(&model).args(extra), "");
    (done, model)
}

fn eval(dir: &Path, model: &Path, input: &Path, extra: &[&str]) -> Run {
    run(
        helpdesk(dir).args(["eval", "--label", "category", "--model"]).arg(model).arg("--input").arg(input).args(extra),
        "",
    )
}

#[test]
fn train_writes_a_model_and_reports_what_it_learned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, model) = train(dir.path(), "category", &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr
            .contains("48 labelled tickets; skipped 2 without a label and 1 without text (text: title + description)"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("training tickets per label (4): ACCOUNT 12, BILLING 12, SECURITY 12, TECHNICAL 12"),
        "{}",
        done.stderr
    );
    let text = std::fs::read_to_string(&model).expect("the model file is written");
    let file: serde_json::Value = serde_json::from_str(&text).expect("the model file is JSON");
    assert_eq!(file["format"], "helpdesk-text-model");
    assert_eq!(file["label_column"], "category");
    assert_eq!(file["labels"], serde_json::json!(["ACCOUNT", "BILLING", "SECURITY", "TECHNICAL"]));
    assert_eq!(file["training"]["examples"], 48);
    let hash = file["content_sha256"].as_str().expect("a content hash");
    assert!(done.stderr.contains(&format!("version category@{}", &hash[..12])), "{}", done.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "no temporary file is left");

    let (again, _) = train(dir.path(), "category", &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).expect("model")).expect("JSON");
    assert_eq!(again["content_sha256"], hash, "the same input and seed give the same model");
}

#[test]
fn eval_prints_accuracy_macro_f1_the_table_and_the_confusion_matrix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, model) = train(dir.path(), "category", &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let seen = eval(dir.path(), &model, &fixture("labelled.csv"), &[]);
    assert_eq!(seen.code, 0, "{}", seen.stderr);
    for line in [
        "tickets:  48 (0 without a known word)",
        "accuracy: 1.0000 (48 right)",
        "macro-F1: 1.0000",
        "label      precision  recall      f1  support",
        "BILLING       1.0000  1.0000  1.0000       12",
        "confusion matrix (rows: true label, columns: predicted label by number)",
        "                 1    2    3    4 none",
        " 1 ACCOUNT      12    0    0    0    0",
        " 4 TECHNICAL     0    0    0   12    0",
    ] {
        assert!(seen.stdout.lines().any(|l| l == line), "no line {line:?} in:\n{}", seen.stdout);
    }
    assert!(seen.stdout.contains("prediction: mean "), "{}", seen.stdout);

    let unseen = eval(dir.path(), &model, &fixture("labelled-check.jsonl"), &["--json"]);
    assert_eq!(unseen.code, 0, "{}", unseen.stderr);
    let report = unseen.json();
    assert_eq!((report["tickets"].as_u64(), report["correct"].as_u64()), (Some(5), Some(4)));
    assert_eq!(report["accuracy"].as_f64(), Some(0.8));
    assert_eq!(report["unknown_labels"], serde_json::json!([["FEATURE_REQUEST", 1]]));
    let labels: Vec<&str> =
        report["labels"].as_array().expect("labels").iter().filter_map(|l| l["label"].as_str()).collect();
    assert_eq!(labels, ["ACCOUNT", "BILLING", "SECURITY", "TECHNICAL", "FEATURE_REQUEST"]);
    let f1: Vec<f64> = report["labels"].as_array().expect("labels").iter().filter_map(|l| l["f1"].as_f64()).collect();
    // The dark-mode request is called TECHNICAL: TECHNICAL has precision 1/2, FEATURE_REQUEST F1 0.
    assert_eq!(f1, [1.0, 1.0, 1.0, 2.0 / 3.0, 0.0]);
    assert!((report["macro_f1"].as_f64().unwrap_or(0.0) - 11.0 / 15.0).abs() < 1e-12, "{report}");
    assert_eq!(report["confusion"][4], serde_json::json!([0, 0, 0, 1, 0]));
    assert!(report["speed"]["median_us"].as_f64().is_some_and(|us| us > 0.0), "{report}");
}

#[test]
fn a_holdout_is_evaluated_and_left_out_of_training() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, _) = train(dir.path(), "category", &["--holdout", "0.25", "--seed", "3"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.starts_with("held out 12 tickets (seed 3):\ntickets:  12 "), "{}", done.stdout);
    assert!(done.stdout.contains("macro-F1: "), "{}", done.stdout);
    assert!(done.stderr.contains("trained on 36 tickets"), "{}", done.stderr);
    let (bad, _) = train(dir.path(), "category", &["--holdout", "1.5"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--holdout must be between 0 and 1"), "{}", bad.stderr);
}

#[test]
fn bad_input_names_the_line_and_an_unknown_column_names_the_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "title,description,category\nVPN,down,TECHNICAL\nshort,row\n").expect("write");
    let model = dir.path().join("m.json");
    let done = run(
        helpdesk(dir.path()).args(["train", "--label", "category", "--input"]).arg(&broken).arg("--output").arg(&model),
        "",
    );
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("line 3: has 2 cells but the header row has 3 columns"), "{}", done.stderr);
    assert!(!model.exists());

    let (unknown, _) = train(dir.path(), "team", &[]);
    assert_eq!(unknown.code, 2);
    let expected = "no column \"team\" in the input; its columns are: title, description, category, priority";
    assert!(unknown.stderr.contains(expected), "{}", unknown.stderr);

    let missing = eval(dir.path(), &dir.path().join("none.json"), &fixture("labelled.csv"), &[]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("none.json"), "{}", missing.stderr);
    for command in ["train", "eval"] {
        let help = run(helpdesk(dir.path()).args([command, "--help"]), "");
        assert!(
            help.stdout.contains("--label <COLUMN>") && help.stdout.contains("--text <COLUMNS>"),
            "{}",
            help.stdout
        );
    }
}

fn ticket(title: &str, description: &str) -> Ticket {
    let now = chrono::Utc::now();
    Ticket {
        ticket_id: "TKT-20261127-AAAAAAAA".parse().expect("valid id"),
        title: title.into(),
        description: description.into(),
        requester_email: "a@example.com".into(),
        category: None,
        priority_given: true,
        priority: Priority::Medium,
        status: Status::New,
        created_at: now,
        updated_at: now,
        tags: vec![],
        metadata: BTreeMap::new(),
        assigned_queue: None,
    }
}

fn settings(category: Option<(&Path, f64)>, queue: Option<(&Path, f64)>) -> Settings {
    let file = |(path, min_confidence): (&Path, f64)| ModelFile { path: path.to_owned(), min_confidence };
    Settings { models: ModelFiles { category: category.map(file), queue: queue.map(file) }, ..Settings::default() }
}

/// Why the engine could not be built from `settings`.
fn refusal(settings: &Settings) -> String {
    match engine_from_settings(settings) {
        Ok(_) => panic!("the engine was built"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_engine_uses_a_configured_category_model_when_it_is_confident() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, model) = train(dir.path(), "category", &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let ticket = ticket("Credentials exposed", "An attacker used a phishing site; our credentials may be compromised.");

    let engine = engine_from_settings(&settings(Some((&model, 0.4)), None)).expect("the model loads");
    let result = engine.triage(&ticket, chrono::Utc::now());
    let c = &result.classification;
    assert_eq!((c.source, c.predicted_by), (CategorySource::Model, Predictor::Model), "{c:?}");
    assert_eq!(c.category.as_str(), "SECURITY");
    assert!(c.confidence >= 0.4 && c.confidence <= 1.0, "{c:?}");

    let strict = engine_from_settings(&settings(Some((&model, 1.0)), None)).expect("the model loads");
    let c = strict.triage(&ticket, chrono::Utc::now()).classification;
    assert_eq!(c.predicted_by, Predictor::Lexicon, "below min_confidence the lexicon decides: {c:?}");
    assert_ne!(c.source, CategorySource::Model);
}

#[test]
fn the_engine_loads_a_queue_model_and_refuses_a_category_model_without_category_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, priority_model) = train(dir.path(), "priority", &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let engine =
        engine_from_settings(&settings(None, Some((&priority_model, 0.0)))).expect("any labels make a queue model");
    let result = engine.triage(&ticket("Phishing", "A phishing attacker stole credentials."), chrono::Utc::now());
    let prediction = result.queue_prediction.expect("the queue model predicts");
    assert!(["high", "medium", "low"].contains(&prediction.queue.as_str()), "{prediction:?}");

    let error = refusal(&settings(Some((&priority_model, 0.5)), None));
    assert!(error.contains("priority.model.json") && error.contains("label \"high\" is not a category"), "{error}");

    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, "{\"format\": \"helpdesk-text-model\"").expect("write");
    let error = refusal(&settings(None, Some((&damaged, 0.5))));
    assert!(error.contains("damaged.json") && error.contains("not a model file"), "{error}");
}
