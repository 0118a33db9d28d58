//! What the tool tells people: the dry-run CSV reports, their summary, and `explain`.

pub mod commands;
pub mod explain;
pub mod files;
pub mod plan_csv;
pub mod status;
pub mod summary;
