//! The checked-in files are exactly what the generator produces now.

use std::fs;

use crate::common::{json_files, vectors_dir};

#[test]
fn generated_files_are_byte_identical_to_the_checked_in_ones() {
    let files = psephos_vectors::generate_all().expect("generation succeeds");
    let dir = vectors_dir();
    let mut stale = Vec::new();
    for file in &files {
        let expected = file.contents().unwrap();
        match fs::read_to_string(dir.join(&file.file_name)) {
            Ok(actual) if actual == expected => {}
            Ok(_) => stale.push(format!("{} differs", file.file_name)),
            Err(e) => stale.push(format!("{}: {e}", file.file_name)),
        }
    }
    assert!(
        stale.is_empty(),
        "regenerate deliberately with `cargo run -p psephos-vectors -- generate`: {stale:?}"
    );
    assert!(psephos_vectors::check_dir(&dir).unwrap().is_empty());
}

#[test]
fn every_json_file_is_generated_or_vendored() {
    let generated: Vec<String> = psephos_vectors::generate_all()
        .unwrap()
        .into_iter()
        .map(|f| f.file_name)
        .collect();
    for name in json_files() {
        assert!(
            generated.contains(&name) || psephos_vectors::NOT_GENERATED.contains(&name.as_str()),
            "{name} is neither generated nor vendored"
        );
    }
}

#[test]
fn generation_is_deterministic_and_ends_in_a_newline() {
    let first = psephos_vectors::generate_all().unwrap();
    let second = psephos_vectors::generate_all().unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        let text = a.contents().unwrap();
        assert_eq!(text, b.contents().unwrap(), "{}", a.file_name);
        assert!(text.ends_with("}\n"), "{}", a.file_name);
    }
}
