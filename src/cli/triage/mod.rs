//! `helpdesk triage`: tickets from a file in, one outcome per record out.

mod command;
mod csv_input;
mod json_input;
mod lines;
mod local;
mod proto_result;
mod record;
mod remote;
mod report;
mod text_input;

pub use command::{InputFormat, TriageArgs, load_records, read_records, run};
pub use record::Record;
