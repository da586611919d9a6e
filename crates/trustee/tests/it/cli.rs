//! The `psephos-trustee` binary: output, `--json`, exit codes.

use std::process::{Command, Output};

use crate::common::{Scenario, PASSPHRASE};

fn trustee(args: &[&str], passphrase: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_psephos-trustee"));
    command.args(args).env_remove("PSEPHOS_TRUSTEE_PASSPHRASE");
    if let Some(p) = passphrase {
        command.env("PSEPHOS_TRUSTEE_PASSPHRASE", p);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_prints_the_fingerprint_and_the_manifest_entry() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("alice.key");
    let key_arg = key.to_str().unwrap();
    let out = trustee(
        &[
            "--json",
            "init",
            "--election",
            "agm-2026",
            "--out",
            key_arg,
            "--index",
            "2",
            "--name",
            "Alice",
        ],
        Some(PASSPHRASE),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fingerprint = json["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 19);
    assert_eq!(json["entry"]["index"], 2);
    assert_eq!(json["entry"]["name"], "Alice");
    assert!(
        json["entry"]["possession_proof"].is_object()
            || json["entry"]["possession_proof"].is_string()
    );
    assert!(key.exists());

    // Never overwritten.
    let again = trustee(
        &["init", "--election", "agm-2026", "--out", key_arg],
        Some(PASSPHRASE),
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );

    // `public` prints the same keys for another index, with the same fingerprint.
    let public = trustee(
        &["public", "--key", key_arg, "--index", "4"],
        Some(PASSPHRASE),
    );
    assert_eq!(public.status.code(), Some(0), "{}", text(&public.stderr));
    let shown = text(&public.stdout);
    assert!(shown.contains(&fingerprint), "{shown}");
    assert!(shown.contains("\"index\": 4"), "{shown}");

    // A wrong passphrase, from a file.
    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    let out = trustee(
        &[
            "public",
            "--key",
            key_arg,
            "--index",
            "2",
            "--passphrase-file",
            wrong.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("wrong passphrase or corrupt key file"),
        "{}",
        text(&out.stderr)
    );
    // The right one, from a file with a trailing newline.
    let right = dir.path().join("right.txt");
    std::fs::write(&right, format!("{PASSPHRASE}\n")).unwrap();
    let out = trustee(
        &[
            "public",
            "--key",
            key_arg,
            "--index",
            "2",
            "--passphrase-file",
            right.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // No passphrase and no terminal: a clear error, not a hang.
    let out = trustee(&["public", "--key", key_arg, "--index", "2"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--passphrase-file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn keygen_and_status_over_the_service() {
    let s = Scenario::new(2, 2, 21);
    let key = s.trustee(1).key_path.to_str().unwrap().to_string();
    let status = trustee(
        &[
            "--json",
            "status",
            "--server",
            &s.server.url,
            "--election",
            &s.id,
        ],
        None,
    );
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["phase"], "keygen");
    assert_eq!(json["trustees"].as_array().unwrap().len(), 2);

    let out = trustee(
        &[
            "keygen",
            "--server",
            &s.server.url,
            "--election",
            &s.id,
            "--key",
            &key,
            "--no-wait",
        ],
        Some(PASSPHRASE),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("posted your dealing at leaf 1"), "{shown}");
    assert!(shown.contains("Not complete yet"), "{shown}");
    assert!(shown.contains("Next:"), "{shown}");

    let status = trustee(
        &["status", "--server", &s.server.url, "--election", &s.id],
        None,
    );
    let shown = text(&status.stdout);
    assert!(shown.contains("leaf 1"), "{shown}");
    assert!(
        shown.contains("waiting for the dealings of trustee(s) 2"),
        "{shown}"
    );

    // The key file is for another election than the one asked for.
    let out = trustee(
        &[
            "keygen",
            "--server",
            &s.server.url,
            "--election",
            "other",
            "--key",
            &key,
            "--no-wait",
        ],
        Some(PASSPHRASE),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("holds keys for election"),
        "{}",
        text(&out.stderr)
    );

    // Decrypt before the ceremony is over: exit 2, nothing posted.
    let size = s.size();
    let out = trustee(
        &[
            "--json",
            "decrypt",
            "--server",
            &s.server.url,
            "--election",
            &s.id,
            "--key",
            &key,
        ],
        Some(PASSPHRASE),
    );
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["error"].as_str().unwrap().contains("keygen"), "{json}");
    assert_eq!(s.size(), size);
}
