//! The server's wire formats, owned in one place: the shapes of Amazon
//! Inspector's `inspector2` REST-JSON API (names and casing as botocore's
//! service model spells them; timestamps as epoch seconds, as rest-json
//! writes them) and Kensa's native endpoints (push, credentials).
//!
//! [`inspector`] also turns an engine finding into Inspector's vocabulary
//! (`fixAvailable`, `exploitAvailable`, `packageManager`, …). Pure: no I/O,
//! no HTTP types; the server serialises these at its edge.

pub mod filter;
pub mod inspector;
pub mod native;

use serde::{Deserialize, Serialize};

/// An error body as rest-json services send it, beside the
/// `x-amzn-ErrorType` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message (`message`: botocore reads either case).
    pub message: String,
}
