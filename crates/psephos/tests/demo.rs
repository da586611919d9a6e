//! `psephos demo --listen 127.0.0.1:0 --auto-vote --exit`, as CI and the
//! README run it: the whole election over HTTP, start to finish, without
//! a terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use psephos::demo::{run, DemoArgs, DemoError};

fn args(dir: &std::path::Path) -> DemoArgs {
    DemoArgs {
        dir: dir.join("demo"),
        listen: "127.0.0.1:0".parse().unwrap(),
        members: 6,
        auto_vote: true,
        exit: true,
        quiet: true,
        ..DemoArgs::default()
    }
}

#[test]
fn the_demo_runs_an_election_whose_record_verifies_and_whose_result_is_the_ballots_cast() {
    let temp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = run(&args(temp.path())).unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));

    assert!(report.verified);
    assert!(report.checks > 0);
    assert!(report.record.exists());
    assert_eq!(report.members.len(), 6);
    assert!(report.members.iter().all(|m| m
        .link
        .starts_with(&format!("{}/vote#{}.", report.url, report.election_id))));

    // Every member voted once and one of them again; the last ballot counts.
    assert_eq!(report.auto_ballots, 7);
    assert_eq!(report.auto_revotes, 1);
    assert_eq!(report.ballots_cast, 7);
    assert_eq!(report.voted, 6);
    let counted: u64 = report.result.styles.iter().map(|s| s.ballots).sum();
    assert_eq!(counted, 6);
    let expected = report.expected.as_ref().unwrap();
    for (style, wanted) in report.result.styles.iter().zip(expected) {
        let counts: Vec<&Vec<u64>> = style.questions.iter().map(|q| &q.counts).collect();
        assert_eq!(counts, wanted.iter().collect::<Vec<_>>(), "{}", style.style);
    }
    // Two of the three trustees decrypted.
    assert_eq!(report.decrypted_by, vec![1, 2]);

    // The parties' files are in the demo directory.
    let files = report.dir.join(&report.election_id);
    for name in [
        "trustee-1.key",
        "trustee-1.key.state",
        "authority.key",
        "roll.csv",
        "links.jsonl",
        "manifest.json",
        "record.jsonl",
    ] {
        assert!(files.join(name).exists(), "{name}");
    }

    // A second run starts afresh; with --keep it adds an election beside
    // the first one, in the same database.
    let second = run(&DemoArgs {
        keep: true,
        ..args(temp.path())
    })
    .unwrap();
    assert!(second.verified);
    assert_ne!(second.election_id, report.election_id);
    assert!(
        files.join("record.jsonl").exists(),
        "--keep removed the first election's files"
    );
    let third = run(&args(temp.path())).unwrap();
    assert!(third.verified);
    assert!(
        !files.exists(),
        "a fresh run kept an earlier election's files"
    );
}

#[test]
fn a_directory_the_demo_did_not_make_is_left_alone() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "precious").unwrap();
    let error = run(&DemoArgs {
        dir: dir.clone(),
        ..args(temp.path())
    })
    .err()
    .unwrap();
    assert!(matches!(error, DemoError::Usage(_)), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "precious"
    );
}
