//! The member roll: who may vote, and which ballot style each member gets
//! (spec/api.md §5.1).
//!
//! The roll is a CSV file (RFC 4180, UTF-8) with a header row naming the
//! columns `name`, `email` and `style` in any order; other columns are
//! ignored. The server imports it to count members per style, and the
//! credential authority reads the same file to issue one credential per
//! member. [`parse_roll`](crate::roll::parse_roll) checks every row and reports every bad one, so an
//! administrator can fix the whole file in one go; it returns members only
//! when every row is good.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;

/// Most members one roll may hold.
pub const MAX_ROLL_MEMBERS: usize = 1_000_000;

/// Longest accepted member name, in characters.
pub const MAX_NAME_CHARS: usize = 256;

/// Longest accepted email address, in bytes (RFC 5321's path limit less
/// the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Characters that never appear in a plausible address but split, quote or
/// comment addresses in mail headers.
const EMAIL_FORBIDDEN: &[char] = &['<', '>', '(', ')', '[', ']', '\\', ',', ';', ':', '"'];

/// Styles named in an unknown-style message before it is cut short.
const STYLES_LISTED: usize = 10;

/// The required columns, as the header must name them.
const COLUMNS: [&str; 3] = ["name", "email", "style"];

/// One member of the roll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's name, surrounding white space removed.
    pub name: String,
    /// The member's email address, as written (case kept), trimmed.
    pub email: String,
    /// The id of the ballot style the member votes.
    pub style: String,
}

/// What is wrong with one row of a roll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollError {
    /// The 1-based data row (the first row after the header is 1); 0 means
    /// the header or the file as a whole.
    pub row: usize,
    /// The column at fault (`name`, `email`, `style`), or `None` when the
    /// error concerns the whole row or file.
    pub field: Option<String>,
    /// What is wrong, for people.
    pub message: String,
}

impl RollError {
    fn new(row: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        RollError {
            row,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for RollError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            f.write_str("header")?;
        } else {
            write!(f, "row {}", self.row)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RollError {}

/// Column positions of the required fields.
struct Layout {
    name: usize,
    email: usize,
    style: usize,
    width: usize,
}

/// Parses and checks a member roll against the manifest's ballot styles.
///
/// Every row is checked: a name that is empty or has control characters, an
/// implausible email address, an email address already used by an earlier
/// row (compared case-insensitively), a style the manifest does not have, a
/// row with a different number of fields than the header. Rows whose fields
/// are all empty (spreadsheet padding) are skipped but still counted in the
/// row numbers. A roll without members, or with more than
/// [`MAX_ROLL_MEMBERS`] rows, is refused. On any error, every error found
/// is returned and no member.
pub fn parse_roll(csv: &[u8], manifest: &Manifest) -> Result<Vec<Member>, Vec<RollError>> {
    let csv = csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut records = reader.byte_records();

    let layout = match records.next() {
        None => {
            return Err(vec![RollError::new(
                0,
                None,
                "the roll is empty: expected a header row naming the columns name, email and style",
            )])
        }
        Some(Err(e)) => {
            return Err(vec![RollError::new(
                0,
                None,
                format!("unreadable CSV: {e}"),
            )])
        }
        Some(Ok(header)) => read_header(&header)?,
    };

    let mut members = Vec::new();
    let mut errors = Vec::new();
    let mut first_row_of_email: HashMap<String, usize> = HashMap::new();
    let mut rows = 0usize;
    for record in records {
        rows += 1;
        if rows > MAX_ROLL_MEMBERS {
            errors.push(RollError::new(
                rows,
                None,
                format!("the roll has more than {MAX_ROLL_MEMBERS} rows"),
            ));
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                // Reading from memory fails only on malformed input the
                // reader cannot step over; stop rather than guess.
                errors.push(RollError::new(rows, None, format!("unreadable CSV: {e}")));
                break;
            }
        };
        if record.iter().all(|field| field.trim_ascii().is_empty()) {
            continue;
        }
        if record.len() != layout.width {
            errors.push(RollError::new(
                rows,
                None,
                format!(
                    "the row has {} fields but the header has {}",
                    record.len(),
                    layout.width
                ),
            ));
            continue;
        }
        let before = errors.len();
        let name = text_field(&record, layout.name, "name", rows, &mut errors);
        let email = text_field(&record, layout.email, "email", rows, &mut errors);
        let style = text_field(&record, layout.style, "style", rows, &mut errors);

        if let Some(name) = &name {
            if let Err(message) = check_name(name) {
                errors.push(RollError::new(rows, Some("name"), message));
            }
        }
        if let Some(email) = &email {
            match check_email(email) {
                Err(message) => errors.push(RollError::new(rows, Some("email"), message)),
                Ok(()) => {
                    let key = email.to_lowercase();
                    if let Some(first) = first_row_of_email.get(&key) {
                        errors.push(RollError::new(
                            rows,
                            Some("email"),
                            format!("{email} is already the address of row {first}"),
                        ));
                    } else {
                        first_row_of_email.insert(key, rows);
                    }
                }
            }
        }
        if let Some(style) = &style {
            if manifest.style(style).is_none() {
                errors.push(RollError::new(
                    rows,
                    Some("style"),
                    unknown_style_message(style, manifest),
                ));
            }
        }

        if errors.len() == before {
            if let (Some(name), Some(email), Some(style)) = (name, email, style) {
                members.push(Member { name, email, style });
            }
        }
    }

    if errors.is_empty() && members.is_empty() {
        errors.push(RollError::new(0, None, "the roll has no members"));
    }
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(errors)
    }
}

/// Members per ballot style, in style-id order.
pub fn count_by_style(members: &[Member]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for member in members {
        *counts.entry(member.style.as_str()).or_insert(0) += 1;
    }
    counts
}

/// Finds the required columns in the header row (names trimmed, compared
/// case-insensitively).
fn read_header(header: &csv::ByteRecord) -> Result<Layout, Vec<RollError>> {
    let mut found: [Option<usize>; 3] = [None; 3];
    let mut errors = Vec::new();
    for (position, cell) in header.iter().enumerate() {
        let Ok(cell) = std::str::from_utf8(cell) else {
            errors.push(RollError::new(
                0,
                None,
                format!("column {} of the header is not valid UTF-8", position + 1),
            ));
            continue;
        };
        let cell = cell.trim().to_ascii_lowercase();
        if let Some(slot) = COLUMNS.iter().position(|column| *column == cell) {
            if found[slot].is_some() {
                errors.push(RollError::new(
                    0,
                    Some(COLUMNS[slot]),
                    "the header names this column twice",
                ));
            } else {
                found[slot] = Some(position);
            }
        }
    }
    for (slot, column) in COLUMNS.iter().enumerate() {
        if found[slot].is_none() {
            errors.push(RollError::new(
                0,
                Some(column),
                format!("the header has no `{column}` column"),
            ));
        }
    }
    match found {
        [Some(name), Some(email), Some(style)] if errors.is_empty() => Ok(Layout {
            name,
            email,
            style,
            width: header.len(),
        }),
        _ => Err(errors),
    }
}

/// The trimmed text of a field, or an error if it is not UTF-8.
fn text_field(
    record: &csv::ByteRecord,
    position: usize,
    column: &str,
    row: usize,
    errors: &mut Vec<RollError>,
) -> Option<String> {
    let bytes = record.get(position).unwrap_or_default();
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text.trim().to_string()),
        Err(_) => {
            errors.push(RollError::new(row, Some(column), "not valid UTF-8"));
            None
        }
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters or line breaks".into());
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(format!(
            "has {chars} characters; at most {MAX_NAME_CHARS} are allowed"
        ));
    }
    Ok(())
}

fn check_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("must not be empty".into());
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(format!(
            "is {} bytes long; at most {MAX_EMAIL_BYTES} are allowed",
            email.len()
        ));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{email:?} contains white space"));
    }
    if let Some(c) = email.chars().find(|c| EMAIL_FORBIDDEN.contains(c)) {
        return Err(format!("{email:?} contains {c:?}, which an address cannot"));
    }
    let mut parts = email.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) if !local.is_empty() && !domain.is_empty() => Ok(()),
        (_, _, Some(_)) => Err(format!("{email:?} has more than one @")),
        (_, None, _) => Err(format!("{email:?} has no @")),
        _ => Err(format!("{email:?} needs text on both sides of the @")),
    }
}

fn unknown_style_message(style: &str, manifest: &Manifest) -> String {
    let mut known: Vec<&str> = manifest
        .ballot_styles
        .iter()
        .take(STYLES_LISTED)
        .map(|s| s.id.as_str())
        .collect();
    if manifest.ballot_styles.len() > STYLES_LISTED {
        known.push("…");
    }
    if style.is_empty() {
        format!(
            "must name a ballot style of the manifest ({})",
            known.join(", ")
        )
    } else {
        format!(
            "unknown ballot style {style:?}; the manifest's styles are {}",
            known.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::manifest::{BallotStyle, TrusteePanel, VotingWindow, MANIFEST_VERSION};
    use crate::signing::PublicSigningKey;

    /// A manifest with styles `north` and `south`; only the styles matter
    /// to the roll, so it need not be a valid election.
    fn manifest() -> Manifest {
        let key = PublicSigningKey::from(&SigningKey::from_bytes(&[7; 32]));
        let style = |id: &str| BallotStyle {
            id: id.into(),
            name: id.to_uppercase(),
            questions: vec![],
        };
        Manifest {
            version: MANIFEST_VERSION.into(),
            election_id: "roll-test".into(),
            organisation: "Org".into(),
            title: "Vote".into(),
            voting_window: VotingWindow {
                opens: "2026-01-01T00:00:00Z".into(),
                closes: "2026-01-02T00:00:00Z".into(),
            },
            trustees: TrusteePanel {
                threshold: 1,
                members: vec![],
            },
            board_key: key,
            credential_authority_key: key,
            questions: vec![],
            ballot_styles: vec![style("north"), style("south")],
            booth_hash: None,
        }
    }

    fn parse(text: &str) -> Result<Vec<Member>, Vec<RollError>> {
        parse_roll(text.as_bytes(), &manifest())
    }

    fn errors(text: &str) -> Vec<(usize, Option<String>)> {
        parse(text)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.row, e.field))
            .collect()
    }

    fn at(row: usize, field: &str) -> (usize, Option<String>) {
        (row, Some(field.to_string()))
    }

    #[test]
    fn reads_members_with_columns_in_any_order_and_extra_columns() {
        let roll = "Style,member_no,Email,NAME\n\
                    north,17,ada@example.org,Ada Lovelace\n\
                    south,18,\"bob@example.org\",\"Smith, Bob\"\n";
        let members = parse(roll).unwrap();
        assert_eq!(
            members,
            vec![
                Member {
                    name: "Ada Lovelace".into(),
                    email: "ada@example.org".into(),
                    style: "north".into()
                },
                Member {
                    name: "Smith, Bob".into(),
                    email: "bob@example.org".into(),
                    style: "south".into()
                },
            ]
        );
        let counts = count_by_style(&members);
        assert_eq!(counts.get("north"), Some(&1));
        assert_eq!(counts.get("south"), Some(&1));
    }

    #[test]
    fn trims_fields_strips_a_bom_and_skips_padding_rows() {
        let roll = "\u{feff}name,email,style\r\n  Ada  , Ada@Example.org ,north\r\n,,\r\n\r\nBob,b@x,south\r\n";
        let members = parse(roll).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].name, "Ada");
        assert_eq!(members[0].email, "Ada@Example.org");
        assert_eq!(members[1].name, "Bob");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_field() {
        let roll = "name,email,style\n\
                    Ada,ada@example.org,north\n\
                    ,bob@example.org,north\n\
                    Cy,cy.example.org,south\n\
                    Di,di@example.org,east\n\
                    Ed,ed@example.org,south\n\
                    ,not an address,west\n";
        assert_eq!(
            errors(roll),
            vec![
                at(2, "name"),
                at(3, "email"),
                at(4, "style"),
                at(6, "name"),
                at(6, "email"),
                at(6, "style"),
            ]
        );
    }

    #[test]
    fn duplicate_emails_are_errors_on_the_later_rows_case_insensitively() {
        let roll = "name,email,style\n\
                    Ada,ada@example.org,north\n\
                    Bob,bob@example.org,north\n\
                    Ada again,ADA@example.ORG,south\n\
                    Ada thrice,ada@example.org,north\n";
        let errs = parse(roll).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].row, errs[0].field.as_deref()), (3, Some("email")));
        assert!(errs[0].message.contains("row 1"), "{}", errs[0].message);
        assert_eq!(errs[1].row, 4);
    }

    #[test]
    fn implausible_addresses_are_refused() {
        for bad in [
            "a@@b", "a@b@c", "@b", "a@", "ab", "a b@c", "a\t@c", "<a@b>", "a@b,c@d", "\"a\"@b",
        ] {
            let roll = format!(
                "name,email,style\nX,\"{}\",north\n",
                bad.replace('"', "\"\"")
            );
            assert_eq!(errors(&roll), vec![at(1, "email")], "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(
            errors(&format!("name,email,style\nX,{long},north\n")),
            vec![at(1, "email")]
        );
        for good in ["a@b", "first.last+tag@sub.example.co.uk", "ü@exämple.de"] {
            let roll = format!("name,email,style\nX,{good},north\n");
            assert!(parse(&roll).is_ok(), "{good}");
        }
    }

    #[test]
    fn names_with_line_breaks_or_too_long_are_refused() {
        let roll = "name,email,style\n\"Ada\nLovelace\",a@b,north\n";
        assert_eq!(errors(roll), vec![at(1, "name")]);
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            errors(&format!("name,email,style\n{long},a@b,north\n")),
            vec![at(1, "name")]
        );
        let longest = "é".repeat(MAX_NAME_CHARS);
        assert!(parse(&format!("name,email,style\n{longest},a@b,north\n")).is_ok());
    }

    #[test]
    fn header_errors_name_the_missing_or_repeated_column() {
        assert_eq!(
            errors("name,mail,style\nAda,a@b,north\n"),
            vec![at(0, "email")]
        );
        assert_eq!(
            errors("name,email,style,Name\nAda,a@b,north,Ada\n"),
            vec![at(0, "name")]
        );
        assert_eq!(errors(""), vec![(0, None)]);
    }

    #[test]
    fn a_roll_without_members_is_refused() {
        let errs = parse("name,email,style\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 0);
        assert!(errs[0].message.contains("no members"));
        assert_eq!(errors("name,email,style\n,,\n"), vec![(0, None)]);
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_errors() {
        let roll = "name,email,style\nAda,a@b\nBob,b@b,north,extra\nCy,c@b,south\n";
        assert_eq!(errors(roll), vec![(1, None), (2, None)]);
    }

    #[test]
    fn invalid_utf8_is_an_error_on_its_field() {
        let mut roll = b"name,email,style\n".to_vec();
        roll.extend_from_slice(b"A\xffda,a@b,north\nBob,b@b,south\n");
        let errs = parse_roll(&roll, &manifest()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].row, errs[0].field.as_deref()), (1, Some("name")));
    }

    #[test]
    fn unknown_style_message_lists_the_manifest_styles() {
        let errs = parse("name,email,style\nAda,a@b,North\n").unwrap_err();
        assert!(errs[0].message.contains("\"North\""), "{}", errs[0].message);
        assert!(
            errs[0].message.contains("north, south"),
            "{}",
            errs[0].message
        );
        assert_eq!(
            errs[0].to_string(),
            format!("row 1: style: {}", errs[0].message)
        );
    }

    #[test]
    fn more_than_the_row_limit_is_refused() {
        let mut roll = String::from("name,email,style\n");
        for i in 0..=MAX_ROLL_MEMBERS {
            roll.push_str(&format!("M,m{i}@x,north\n"));
        }
        let errs = parse(&roll).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, MAX_ROLL_MEMBERS + 1);
        assert_eq!(errs[0].field, None);

        // Exactly at the limit is fine (the last row is still checked).
        let at_limit = roll.rsplit_once("M,").unwrap().0;
        let members = parse(at_limit).unwrap();
        assert_eq!(members.len(), MAX_ROLL_MEMBERS);
    }
}
