//! The legacy billing database: its model, the decoding of its conventions, and the
//! read-only streaming reader.

pub mod access;
pub mod assemble;
pub mod child_read;
pub mod chrono_text;
pub mod columns;
pub mod connect_error;
pub mod decode;
pub mod fields;
pub mod fingerprint;
pub mod integrity;
pub mod key_ranges;
pub mod model;
pub mod partners;
pub mod payments;
pub mod queries;
pub mod reader;
pub mod schema;
pub mod schema_report;
pub mod stream;
pub mod time;
pub mod tls;

pub use model::LegacyAccount;
pub use reader::LegacySource;
