//! Writing the results: the JSON file, and with `--write-docs` the generated part of
//! docs/benchmarks.md and the chart docs/bench/latency.svg.

use std::path::{Path, PathBuf};

use crate::{
    docs_page,
    report::{Report, chart, markdown},
};

/// Writes `report` as JSON to `path` (its folder is created).
pub fn write_json(report: &Report, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(report).map_err(|e| format!("cannot write the results as JSON: {e}"))?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Rewrites docs/benchmarks.md's generated part and docs/bench/latency.svg under `root`; `json` is the
/// JSON file written in the same run, linked from the page when it lies under docs/.
pub fn write_docs(report: &Report, root: &Path, json: Option<&Path>) -> Result<Vec<PathBuf>, String> {
    let docs = root.join("docs");
    let chart_path = docs.join("bench/latency.svg");
    std::fs::create_dir_all(docs.join("bench")).map_err(|e| format!("cannot create docs/bench: {e}"))?;
    let title = format!("helpdesk-ai latency against load ({}, {})", report.meta.date, report.meta.commit);
    let svg = chart::svg(&report.sweep, &title)?;
    std::fs::write(&chart_path, svg).map_err(|e| format!("cannot write {}: {e}", chart_path.display()))?;
    let link = json.and_then(|j| std::path::absolute(j).ok()).and_then(|j| {
        let docs = std::path::absolute(&docs).ok()?;
        j.strip_prefix(&docs).ok().map(|p| p.to_string_lossy().into_owned())
    });
    let page_path = docs.join("benchmarks.md");
    let page = std::fs::read_to_string(&page_path).map_err(|e| format!("cannot read {}: {e}", page_path.display()))?;
    let generated = markdown::render(report, "bench/latency.svg", link.as_deref());
    let page = docs_page::replace_generated(&page, &generated).map_err(|e| format!("{}: {e}", page_path.display()))?;
    std::fs::write(&page_path, page).map_err(|e| format!("cannot write {}: {e}", page_path.display()))?;
    Ok(vec![page_path, chart_path])
}
