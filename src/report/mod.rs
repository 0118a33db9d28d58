//! What the tool tells people: the dry-run CSV reports, their summary, `explain`, and the
//! report.html pages of `plan` and `verify`.

pub mod commands;
pub mod explain;
pub mod files;
pub mod page;
pub mod plan_csv;
pub mod status;
pub mod summary;
