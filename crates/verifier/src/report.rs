//! The verifier's report: per check, a status, how many items it covered,
//! and the failures with the leaf they concern.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::checks::Check;

/// Failures kept per check (the count is always exact).
const KEPT_FAILURES: usize = 50;

/// One failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The leaf concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every item passed.
    Pass,
    /// At least one item failed, or the check could not run.
    Fail,
}

/// One check's line in the report.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// `V1`…
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Pass or fail.
    pub status: Status,
    /// Items checked.
    pub checked: u64,
    /// What the items are.
    pub unit: &'static str,
    /// Number of failures.
    pub failure_count: u64,
    /// The first failures.
    pub failures: Vec<Failure>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The election id, if the manifest could be read.
    pub election_id: Option<String>,
    /// Leaves in the record.
    pub leaves: u64,
    /// Per check, in order.
    pub checks: Vec<CheckReport>,
    /// True iff every check passed.
    pub verified: bool,
    /// The verified result, if every check passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<psephos_election::tally::ElectionResult>,
}

impl Report {
    /// The checks that failed.
    pub fn failed(&self) -> impl Iterator<Item = &CheckReport> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    /// Whether a check with this id failed.
    pub fn failed_check(&self, id: &str) -> bool {
        self.failed().any(|c| c.id == id)
    }
}

#[derive(Default)]
struct Entry {
    ran: bool,
    checked: u64,
    unit: &'static str,
    failure_count: u64,
    failures: Vec<Failure>,
}

/// Collects results while verifying.
#[derive(Default)]
pub(crate) struct Recorder {
    entries: BTreeMap<Check, Entry>,
}

impl Recorder {
    /// Counts `n` items as checked (and marks the check as run).
    pub fn checked(&mut self, check: Check, n: u64, unit: &'static str) {
        let e = self.entries.entry(check).or_default();
        e.ran = true;
        e.checked += n;
        if e.unit.is_empty() {
            e.unit = unit;
        }
    }

    /// Marks the check as run without items (e.g. no audits in this election).
    pub fn ran(&mut self, check: Check, unit: &'static str) {
        self.checked(check, 0, unit);
    }

    /// Records a failure.
    pub fn fail(&mut self, check: Check, leaf: Option<u64>, message: impl Into<String>) {
        let e = self.entries.entry(check).or_default();
        e.ran = true;
        e.failure_count += 1;
        if e.failures.len() < KEPT_FAILURES {
            e.failures.push(Failure {
                leaf,
                message: message.into(),
            });
        }
    }

    /// The report; a check that never ran fails (fail closed).
    pub fn finish(
        mut self,
        election_id: Option<String>,
        leaves: u64,
        result: Option<psephos_election::tally::ElectionResult>,
    ) -> Report {
        let checks: Vec<CheckReport> = Check::ALL
            .iter()
            .map(|check| {
                let e = self.entries.remove(check).unwrap_or_default();
                let mut failures = e.failures;
                let mut failure_count = e.failure_count;
                if !e.ran {
                    failure_count += 1;
                    failures.push(Failure {
                        leaf: None,
                        message: "could not be run: the record lacks what it needs".into(),
                    });
                }
                CheckReport {
                    id: check.id(),
                    name: check.name(),
                    status: if failure_count == 0 {
                        Status::Pass
                    } else {
                        Status::Fail
                    },
                    checked: e.checked,
                    unit: e.unit,
                    failure_count,
                    failures,
                }
            })
            .collect();
        let verified = checks.iter().all(|c| c.status == Status::Pass);
        Report {
            election_id,
            leaves,
            checks,
            verified,
            result: if verified { result } else { None },
        }
    }
}
