//! The one loader of user input: bytes read within the size budget → decoded text → documents with
//! positions → schema-checked documents. `validate`, `check`, `seal`, `import`, the configuration file and
//! `--data` files all read through it; [`crate::discover`] finds the files.

pub mod bundles;
pub mod documents;
pub mod ids;
pub mod read;
pub mod workflows;

use std::path::PathBuf;

pub use documents::{documents, Document};
pub use read::{FileError, Loaded};

/// A `--data` file that could not be loaded: the file and why.
#[derive(Debug)]
pub struct DataError {
    pub file: String,
    pub message: String,
}

/// The documents of the `--data` files, in order; each must be a JSON or YAML object.
pub fn data_documents(paths: &[PathBuf]) -> Result<Vec<serde_json::Value>, DataError> {
    let budgets = crate::source::Budgets::default();
    let mut out = Vec::new();
    for path in paths {
        let err = |message: String| DataError {
            file: path.display().to_string(),
            message,
        };
        let (_, docs) =
            read::parsed(path, &budgets).map_err(|e| err(format!("{}{e}", e.parse_position())))?;
        for doc in docs {
            let json = doc.to_json();
            if !json.is_object() {
                return Err(err("the data document must be an object".to_owned()));
            }
            out.push(json);
        }
    }
    Ok(out)
}
