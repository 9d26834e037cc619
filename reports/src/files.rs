//! The record files of a run, `cdr.csv` and `agents.csv`: writers generic over [`std::io::Write`],
//! readers generic over [`std::io::Read`], and the metrics recomputed from the files.

mod agents;
mod cdr;
mod error;
mod from_files;
mod reader;
mod timestamp;
mod writer;

pub use agents::{AGENT_COLUMNS, AgentReader, AgentWriter};
pub use cdr::{CDR_COLUMNS, CdrReader, CdrWriter};
pub use error::{RecordError, WriteError};
pub use from_files::metrics_from_files;
