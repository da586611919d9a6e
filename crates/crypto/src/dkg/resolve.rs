//! Public resolution of a key ceremony (spec/crypto.md §7.5): anyone with
//! the board's messages decides the same qualified set, joint key and
//! verification keys.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity;
use serde::{Deserialize, Serialize};

use crate::context::Fingerprint;
use crate::elgamal::{mul_base, PublicKey};
use crate::encoding::Point;
use crate::error::ThresholdError;
use crate::threshold::{ThresholdParams, TrusteeIndex};

use super::messages::{ComplaintsMessage, DealerMessage};
use super::polynomial::evaluate_commitments;
use super::share_encryption::{open_with, ShareRoute};

/// Why a trustee was excluded from the qualified set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Disqualification {
    /// Posted no dealing.
    NoDealing,
    /// Its dealing failed a public check.
    InvalidDealing {
        /// What was wrong.
        detail: String,
    },
    /// A valid complaint showed its share to `complainer` does not open or verify.
    BadShare {
        /// The trustee whose complaint proved it.
        complainer: TrusteeIndex,
    },
    /// It complained against `dealer`, but the revealed share is valid or the
    /// complaint's proof fails.
    FalseComplaint {
        /// The dealer it accused.
        dealer: TrusteeIndex,
    },
    /// Posted no complaints message (not even an empty confirmation).
    NoConfirmation,
    /// Its complaints message is malformed.
    InvalidComplaints {
        /// What was wrong.
        detail: String,
    },
}

/// The public result of a key ceremony.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkgOutcome {
    /// Threshold parameters.
    pub params: ThresholdParams,
    /// Trustees whose dealings make up the key and who may decrypt, ascending.
    pub qualified: Vec<TrusteeIndex>,
    /// Excluded trustees with the first reason found, ascending.
    pub disqualified: Vec<(TrusteeIndex, Disqualification)>,
    /// The joint election key `K = Σ_{i∈QUAL} C_{i,0}`.
    pub joint_key: PublicKey,
    /// `V_j` for each qualified trustee, ascending.
    pub verification_keys: Vec<(TrusteeIndex, Point)>,
}

impl DkgOutcome {
    /// The verification key of a qualified trustee.
    pub fn verification_key(&self, trustee: TrusteeIndex) -> Option<&Point> {
        self.verification_keys
            .iter()
            .find(|(i, _)| *i == trustee)
            .map(|(_, v)| v)
    }

    /// Whether the trustee is qualified.
    pub fn is_qualified(&self, trustee: TrusteeIndex) -> bool {
        self.qualified.contains(&trustee)
    }
}

/// Places each message in its trustee's slot; duplicates are an error.
pub(crate) fn by_slot<'a, T>(
    params: &ThresholdParams,
    messages: &'a [T],
    index: impl Fn(&T) -> TrusteeIndex,
) -> Result<Vec<Option<&'a T>>, ThresholdError> {
    let mut slots: Vec<Option<&T>> = vec![None; params.n() as usize];
    for message in messages {
        let i = TrusteeIndex::new(index(message).get(), params)?;
        let slot = &mut slots[i.slot()];
        if slot.is_some() {
            return Err(ThresholdError::DuplicateIndex(i.get()));
        }
        *slot = Some(message);
    }
    Ok(slots)
}

/// Decides the ceremony from its public messages.
///
/// `roster[j−1]` is trustee `j`'s long-term key. Errors (as opposed to
/// disqualifications) mean the inputs are not a ceremony at all: wrong
/// roster size, two messages from one trustee, fewer than `t` qualified.
pub fn resolve(
    fingerprint: &Fingerprint,
    params: &ThresholdParams,
    roster: &[Point],
    dealings: &[DealerMessage],
    complaints: &[ComplaintsMessage],
) -> Result<DkgOutcome, ThresholdError> {
    let n = params.n() as usize;
    if roster.len() != n {
        return Err(ThresholdError::RosterSize {
            expected: n,
            found: roster.len(),
        });
    }
    for (slot, key) in roster.iter().enumerate() {
        if key.is_identity() || roster[..slot].contains(key) {
            return Err(ThresholdError::MalformedMessage {
                dealer: slot as u32 + 1,
                reason: "roster key is the identity or repeats another trustee's key",
            });
        }
    }
    let dealing_slots = by_slot(params, dealings, |m| m.dealer)?;
    let complaint_slots = by_slot(params, complaints, |m| m.complainer)?;

    let mut verdicts: Vec<Option<Disqualification>> = vec![None; n];
    let disqualify =
        |verdicts: &mut Vec<Option<Disqualification>>, i: TrusteeIndex, why: Disqualification| {
            let slot = &mut verdicts[i.slot()];
            if slot.is_none() {
                *slot = Some(why);
            }
        };

    // Dealings that pass every public check; the others disqualify their dealer.
    let mut valid: Vec<Option<&DealerMessage>> = vec![None; n];
    for (slot, dealing) in dealing_slots.iter().enumerate() {
        let i = TrusteeIndex::from_slot(slot);
        match dealing {
            None => disqualify(&mut verdicts, i, Disqualification::NoDealing),
            Some(m) => match m.check_public(fingerprint, params) {
                Ok(()) => valid[slot] = Some(m),
                Err(e) => disqualify(
                    &mut verdicts,
                    i,
                    Disqualification::InvalidDealing {
                        detail: e.to_string(),
                    },
                ),
            },
        }
    }

    for (slot, message) in complaint_slots.iter().enumerate() {
        let j = TrusteeIndex::from_slot(slot);
        let Some(message) = message else {
            disqualify(&mut verdicts, j, Disqualification::NoConfirmation);
            continue;
        };
        let ascending = message
            .complaints
            .windows(2)
            .all(|w| w[0].dealer < w[1].dealer);
        let in_range = message
            .complaints
            .iter()
            .all(|c| TrusteeIndex::new(c.dealer.get(), params).is_ok());
        if !ascending || !in_range || message.complaints.iter().any(|c| c.dealer == j) {
            let detail =
                "complaints must name other trustees, once each, in ascending order".to_string();
            disqualify(
                &mut verdicts,
                j,
                Disqualification::InvalidComplaints { detail },
            );
            continue;
        }
        for complaint in &message.complaints {
            let i = complaint.dealer;
            // A dealer already publicly invalid needs no complaint.
            let Some(dealing) = valid[i.slot()] else {
                continue;
            };
            let Some(share) = dealing.share_for(j) else {
                continue;
            };
            let route = ShareRoute {
                fingerprint,
                dealer: i,
                recipient: j,
                recipient_key: &roster[j.slot()],
            };
            if !complaint
                .proof
                .verify(&route, &share.ephemeral, &complaint.shared_secret)
            {
                disqualify(
                    &mut verdicts,
                    j,
                    Disqualification::FalseComplaint { dealer: i },
                );
                continue;
            }
            let share_is_good = open_with(
                &route,
                &share.ephemeral,
                &complaint.shared_secret,
                &share.sealed,
            )
            .is_some_and(|s| mul_base(s.expose()) == evaluate_commitments(&dealing.commitments, j));
            if share_is_good {
                disqualify(
                    &mut verdicts,
                    j,
                    Disqualification::FalseComplaint { dealer: i },
                );
            } else {
                disqualify(
                    &mut verdicts,
                    i,
                    Disqualification::BadShare { complainer: j },
                );
            }
        }
    }

    let qualified: Vec<TrusteeIndex> = params
        .indices()
        .filter(|i| verdicts[i.slot()].is_none())
        .collect();
    if qualified.len() < params.t() as usize {
        return Err(ThresholdError::NotEnoughTrustees {
            needed: params.t() as usize,
            available: qualified.len(),
        });
    }

    // A_k = Σ_{i∈QUAL} C_{i,k}; K = A_0; V_j = Σ_k j^k·A_k.
    let t = params.t() as usize;
    let mut aggregate = vec![RistrettoPoint::identity(); t];
    for i in &qualified {
        if let Some(dealing) = valid[i.slot()] {
            for (sum, c) in aggregate.iter_mut().zip(&dealing.commitments) {
                *sum += c.point();
            }
        }
    }
    let aggregate: Vec<Point> = aggregate.into_iter().map(Point::new).collect();
    let joint_key = PublicKey::from_point(aggregate[0]).map_err(|_| ThresholdError::IdentityKey)?;
    let verification_keys = qualified
        .iter()
        .map(|j| (*j, Point::new(evaluate_commitments(&aggregate, *j))))
        .collect();
    let disqualified = params
        .indices()
        .filter_map(|i| verdicts[i.slot()].clone().map(|why| (i, why)))
        .collect();
    Ok(DkgOutcome {
        params: *params,
        qualified,
        disqualified,
        joint_key,
        verification_keys,
    })
}
