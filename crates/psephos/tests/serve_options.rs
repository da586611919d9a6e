//! `psephos serve` refuses bad receipt-mail and batching options before it
//! opens a store or a port, with a message naming the option.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// Runs `psephos serve` with `args` on a store in a fresh directory; its
/// stderr, after checking that it failed and created nothing.
fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db");
    let output = Command::new(env!("CARGO_BIN_EXE_psephos"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .args(args)
        .output()
        .unwrap();
    assert!(!output.status.success(), "{args:?} was accepted");
    assert!(!db.exists(), "{args:?}: the store was created");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn mail_options_come_together_and_are_checked() {
    let err = refused(&["--mail-from", "Elections <vote@example.org>"]);
    assert!(err.contains("--mail-from needs --smtp-host"), "{err}");
    let err = refused(&["--smtp-host", "127.0.0.1", "--smtp-tls", "none"]);
    assert!(err.contains("--smtp-host needs --mail-from"), "{err}");
    let err = refused(&[
        "--smtp-host",
        "127.0.0.1",
        "--smtp-tls",
        "none",
        "--mail-from",
        "not an address",
    ]);
    assert!(err.contains("--mail-from \"not an address\""), "{err}");
    let err = refused(&["--smtp-password-file", "/nonexistent", "--smtp-host", "h"]);
    assert!(
        err.contains("--smtp-password-file needs --smtp-user"),
        "{err}"
    );
}

#[test]
fn the_proof_batch_is_bounded() {
    for bad in ["0", "1025", "many"] {
        let err = refused(&["--proof-batch", bad]);
        assert!(err.contains("--proof-batch"), "{bad}: {err}");
    }
}
