//! The legacy billing database: its model, the decoding of its conventions, and the
//! read-only streaming reader.

pub mod access;
pub mod assemble;
pub mod connect_error;
pub mod decode;
pub mod fingerprint;
pub mod integrity;
pub mod model;
pub mod partners;
pub mod reader;
pub mod time;

pub use model::LegacyAccount;
pub use reader::LegacySource;
