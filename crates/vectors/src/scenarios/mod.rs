//! One generator per scenario file.

use crate::{Error, VectorFile};

pub mod dkg;
pub mod elgamal;
pub mod encoding;
pub mod proofs;
pub mod threshold;

/// Every generated scenario.
pub fn all() -> Result<Vec<VectorFile>, Error> {
    let mut files = Vec::new();
    files.extend(encoding::files()?);
    files.extend(elgamal::files()?);
    files.extend(proofs::files()?);
    files.extend(dkg::files()?);
    files.extend(threshold::files()?);
    Ok(files)
}

/// A file named after its scenario.
pub(crate) fn file(scenario: &str, value: serde_json::Value) -> VectorFile {
    VectorFile {
        file_name: format!("{scenario}.json"),
        value,
    }
}
