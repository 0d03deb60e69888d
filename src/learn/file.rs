//! Model files: one JSON document with a format name and version, the labels, the feature
//! configuration, how the model was trained, a SHA-256 of its content, and the numbers as base64
//! of little-endian values. Loading checks all of it; saving replaces the file atomically.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};

use super::{
    ModelError,
    features::{FeatureConfig, HASH_NAME},
    model::{TextClassifier, TrainingInfo},
    tfidf::TfIdf,
};

/// The `format` every model file names.
pub const FORMAT: &str = "helpdesk-text-model";
/// The layout version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelDocument {
    format: String,
    format_version: u32,
    label_column: String,
    labels: Vec<String>,
    hash: String,
    features: FeatureConfig,
    training: TrainingInfo,
    content_sha256: String,
    rows: usize,
    /// Bucket of each row: u32 little-endian, base64.
    buckets: String,
    /// IDF of each row: f32 little-endian, base64.
    idf: String,
    /// `rows x labels` weights, row-major: f32 little-endian, base64.
    weights: String,
    bias: Vec<f32>,
}

/// The file's text for `model`.
pub fn to_text(model: &TextClassifier) -> String {
    let document = ModelDocument {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        label_column: model.label_column().into(),
        labels: model.labels().to_vec(),
        hash: HASH_NAME.into(),
        features: *model.tfidf().config(),
        training: model.training().clone(),
        content_sha256: model.content_hash().into(),
        rows: model.tfidf().len(),
        buckets: encode(model.tfidf().buckets().iter().map(|b| b.to_le_bytes())),
        idf: encode(model.tfidf().idf().iter().map(|v| v.to_le_bytes())),
        weights: encode(model.weights().map(|v| v.to_le_bytes())),
        bias: model.bias().to_vec(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| unreachable!("plain data"));
    text.push('\n');
    text
}

/// Reads a model from its file's text; the error says what is wrong (not which file).
pub fn from_text(text: &str) -> Result<TextClassifier, String> {
    let document: ModelDocument = serde_json::from_str(text).map_err(|e| format!("not a model file: {e}"))?;
    if document.format != FORMAT {
        return Err(format!("format is {:?}, expected {FORMAT:?}", document.format));
    }
    if document.format_version != FORMAT_VERSION {
        return Err(format!(
            "format version {} is not supported by this build (it reads version {FORMAT_VERSION}); train the model again",
            document.format_version
        ));
    }
    if document.hash != HASH_NAME {
        return Err(format!("terms are hashed with {:?}, this build uses {HASH_NAME:?}", document.hash));
    }
    let buckets = decode("buckets", &document.buckets, document.rows, u32::from_le_bytes)?;
    let idf = decode("idf", &document.idf, document.rows, f32::from_le_bytes)?;
    let expected_weights = document.rows.saturating_mul(document.labels.len());
    let weights = decode("weights", &document.weights, expected_weights, f32::from_le_bytes)?;
    let tfidf = TfIdf::from_parts(document.features, buckets, idf)?;
    let model =
        TextClassifier::new(document.label_column, document.labels, tfidf, weights, document.bias, document.training)?;
    if model.content_hash() != document.content_sha256 {
        return Err(format!(
            "content does not match its SHA-256 (file says {}, content gives {}): the file was changed or damaged",
            document.content_sha256,
            model.content_hash()
        ));
    }
    Ok(model)
}

/// Loads the model file at `path`.
pub fn load(path: &Path) -> Result<TextClassifier, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io { path: path.to_owned(), source })?;
    from_text(&text).map_err(|message| ModelError::File { path: path.to_owned(), message })
}

/// Writes `model` to `path` through a temporary file in the same folder, so that a reader sees the
/// old file or the new one, never half of one. Returns the number of bytes written.
pub fn save(model: &TextClassifier, path: &Path) -> Result<u64, ModelError> {
    let io_error = |source| ModelError::Io { path: path.to_owned(), source };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let text = to_text(model);
    let mut file = tempfile::NamedTempFile::new_in(&folder).map_err(io_error)?;
    file.write_all(text.as_bytes()).map_err(io_error)?;
    // Temporary files are private; a model file is read by the service, perhaps as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = std::fs::Permissions::from_mode(0o644);
        file.as_file().set_permissions(permissions).map_err(io_error)?;
    }
    file.as_file().sync_all().map_err(io_error)?;
    file.persist(path).map_err(|e| io_error(e.error))?;
    Ok(text.len() as u64)
}

fn encode<const N: usize>(values: impl Iterator<Item = [u8; N]>) -> String {
    let bytes: Vec<u8> = values.flatten().collect();
    STANDARD.encode(bytes)
}

fn decode<T, const N: usize>(
    field: &str,
    text: &str,
    expected: usize,
    from: fn([u8; N]) -> T,
) -> Result<Vec<T>, String> {
    let bytes = STANDARD.decode(text).map_err(|e| format!("{field}: not base64: {e}"))?;
    if bytes.len() != expected.saturating_mul(N) {
        return Err(format!("{field}: {} bytes, expected {} ({expected} values)", bytes.len(), expected * N));
    }
    Ok(bytes.chunks_exact(N).map(|chunk| from(chunk.try_into().unwrap_or([0; N]))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::train::{
        TrainOptions,
        tests::{options, tickets},
        train,
    };
    use crate::triage::TextModel;

    fn trained() -> TextClassifier {
        train("queue", &tickets(), &TrainOptions { text_columns: vec!["title".into()], ..options() }).expect("trains")
    }

    #[test]
    fn save_and_load_give_identical_predictions() {
        let model = trained();
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("queue.model.json");
        let size = save(&model, &path).expect("saves");
        let metadata = std::fs::metadata(&path).expect("written");
        assert_eq!(metadata.len(), size);
        #[cfg(unix)]
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o777, 0o644);
        let loaded = load(&path).expect("loads");
        assert_eq!(loaded.version(), model.version());
        assert_eq!(loaded.training(), model.training());
        for text in ["refund my invoice", "vpn is down", "locked account", "wifi refund password", "nothing"] {
            assert_eq!(loaded.predict(text), model.predict(text), "{text}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).map(|d| d.count()).ok(), Some(1), "no temporary file is left");
    }

    #[test]
    fn damaged_files_say_what_is_wrong() {
        let text = to_text(&trained());
        let error = |text: &str| from_text(text).err().unwrap_or_default();
        assert!(error("{").starts_with("not a model file"), "{}", error("{"));
        let other = text.replace(FORMAT, "something-else");
        assert!(error(&other).contains("format is \"something-else\""), "{}", error(&other));
        let newer = text.replace("\"format_version\": 1", "\"format_version\": 9");
        assert!(error(&newer).contains("format version 9 is not supported"), "{}", error(&newer));
        let relabelled = text.replace("\"billing\"", "\"payments\"");
        assert!(error(&relabelled).contains("does not match its SHA-256"), "{}", error(&relabelled));
        let rows = text.lines().find(|l| l.trim_start().starts_with("\"rows\"")).unwrap_or_default();
        let more_rows = text.replace(rows, "  \"rows\": 99999999,");
        assert!(error(&more_rows).starts_with("buckets: "), "{}", error(&more_rows));
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let error = load(Path::new("/nonexistent/queue.json")).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/queue.json"), "{error}");
    }
}
