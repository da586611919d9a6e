//! One trustee's side of the key ceremony, as typestates: [`Dealer`] →
//! [`Dealt`] → [`Checked`] → [`KeyShare`]. Each step consumes the state.

use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;

use crate::context::Fingerprint;
use crate::elgamal::mul_base;
use crate::encoding::Point;
use crate::error::ThresholdError;
use crate::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use crate::secret::SecretScalar;
use crate::threshold::{KeyShare, ThresholdParams, TrusteeIndex};

use super::keys::TrusteeKeyPair;
use super::messages::{Complaint, ComplaintProof, ComplaintsMessage, DealerMessage, SealedShare};
use super::polynomial::{evaluate_commitments, SecretPolynomial};
use super::resolve::{by_slot, resolve, DkgOutcome};
use super::share_encryption::{open_with, seal, ShareRoute};

/// What every round needs to know.
#[derive(Clone, Debug)]
struct Setup {
    fingerprint: Fingerprint,
    params: ThresholdParams,
    me: TrusteeIndex,
    key: TrusteeKeyPair,
    roster: Vec<Point>,
}

impl Setup {
    fn route(&self, dealer: TrusteeIndex, recipient: TrusteeIndex) -> ShareRoute<'_> {
        ShareRoute {
            fingerprint: &self.fingerprint,
            dealer,
            recipient,
            recipient_key: &self.roster[recipient.slot()],
        }
    }
}

/// Round 1 entry point.
pub struct Dealer;

impl Dealer {
    /// Deals this trustee's polynomial: returns the state for round 2 and
    /// the message to publish.
    ///
    /// `roster[j−1]` is trustee `j`'s long-term public key; `key` must be
    /// this trustee's own pair, matching `roster[me−1]`.
    pub fn deal_with_rng<R: CryptoRngCore + ?Sized>(
        fingerprint: Fingerprint,
        params: ThresholdParams,
        me: TrusteeIndex,
        key: TrusteeKeyPair,
        roster: Vec<Point>,
        rng: &mut R,
    ) -> Result<(Dealt, DealerMessage), ThresholdError> {
        let me = TrusteeIndex::new(me.get(), &params)?;
        if roster.len() != params.n() as usize {
            return Err(ThresholdError::RosterSize {
                expected: params.n() as usize,
                found: roster.len(),
            });
        }
        if roster.iter().any(Point::is_identity) || roster[me.slot()] != *key.public() {
            return Err(ThresholdError::MalformedMessage {
                dealer: me.get(),
                reason: "roster has an identity key, or this trustee's key is not at its index",
            });
        }
        let setup = Setup {
            fingerprint,
            params,
            me,
            key,
            roster,
        };
        let polynomial = SecretPolynomial::random(params.t() as usize, rng);
        let commitments: Vec<Point> = polynomial
            .coefficients
            .iter()
            .map(|a| Point::new(mul_base(a.expose())))
            .collect();
        let proofs = polynomial
            .coefficients
            .iter()
            .zip(&commitments)
            .enumerate()
            .map(|(k, (a, commitment))| {
                let statement = PossessionStatement {
                    fingerprint: &setup.fingerprint,
                    claim: PossessionClaim::Coefficient {
                        dealer: me,
                        index: k as u32,
                    },
                    point: commitment,
                };
                PossessionProof::prove_with_rng(&statement, a, rng)
            })
            .collect();
        let shares = params
            .indices()
            .filter(|j| *j != me)
            .map(|j| {
                let share = polynomial.evaluate(j);
                let (ephemeral, sealed) = seal(&setup.route(me, j), share.expose(), rng);
                SealedShare {
                    recipient: j,
                    ephemeral,
                    sealed,
                }
            })
            .collect();
        let message = DealerMessage {
            dealer: me,
            commitments,
            proofs,
            shares,
        };
        let own_share = polynomial.evaluate(me);
        let state = Dealt {
            setup,
            own_share,
            own_message: message.clone(),
        };
        Ok((state, message))
    }
}

/// After dealing: waiting for every trustee's dealing.
#[derive(Debug)]
pub struct Dealt {
    setup: Setup,
    own_share: SecretScalar,
    own_message: DealerMessage,
}

impl Dealt {
    /// The message this trustee dealt (to publish again after an interruption).
    pub fn message(&self) -> &DealerMessage {
        &self.own_message
    }

    /// Opens and checks the shares addressed to this trustee in the dealings
    /// published on the board (which must include this trustee's own, unchanged),
    /// and returns the complaints to publish (empty if every share is good).
    ///
    /// Dealings that fail a public check are skipped: every participant
    /// disqualifies them without a complaint.
    pub fn receive<R: CryptoRngCore + ?Sized>(
        self,
        dealings: &[DealerMessage],
        rng: &mut R,
    ) -> Result<(Checked, ComplaintsMessage), ThresholdError> {
        let setup = &self.setup;
        let slots = by_slot(&setup.params, dealings, |m| m.dealer)?;
        if slots[setup.me.slot()] != Some(&self.own_message) {
            return Err(ThresholdError::OwnMessageAltered);
        }
        let mut received: Vec<Option<Received>> = vec![None; slots.len()];
        let mut complaints = Vec::new();
        for dealing in slots.iter().flatten() {
            let dealer = dealing.dealer;
            if dealer == setup.me
                || dealing
                    .check_public(&setup.fingerprint, &setup.params)
                    .is_err()
            {
                continue;
            }
            let Some(sealed) = dealing.share_for(setup.me) else {
                continue;
            };
            let route = setup.route(dealer, setup.me);
            let shared_secret = Point::new(sealed.ephemeral.point() * setup.key.secret().expose());
            let opened = open_with(&route, &sealed.ephemeral, &shared_secret, &sealed.sealed)
                .filter(|s| {
                    mul_base(s.expose()) == evaluate_commitments(&dealing.commitments, setup.me)
                });
            match opened {
                Some(share) => {
                    received[dealer.slot()] = Some(Received {
                        share,
                        commitments: dealing.commitments.clone(),
                    })
                }
                None => complaints.push(Complaint {
                    dealer,
                    proof: ComplaintProof::prove(
                        &route,
                        &sealed.ephemeral,
                        &shared_secret,
                        setup.key.secret(),
                        rng,
                    ),
                    shared_secret,
                }),
            }
        }
        let message = ComplaintsMessage {
            complainer: setup.me,
            complaints,
        };
        let state = Checked {
            setup: self.setup,
            own_share: self.own_share,
            own_commitments: self.own_message.commitments,
            received,
            message: message.clone(),
        };
        Ok((state, message))
    }
}

/// A share received from one dealer and verified against its commitments.
#[derive(Clone, Debug)]
struct Received {
    share: SecretScalar,
    commitments: Vec<Point>,
}

/// After checking: waiting for every trustee's complaints message.
#[derive(Debug)]
pub struct Checked {
    setup: Setup,
    own_share: SecretScalar,
    own_commitments: Vec<Point>,
    received: Vec<Option<Received>>,
    message: ComplaintsMessage,
}

impl Checked {
    /// The complaints message this trustee published.
    pub fn complaints(&self) -> &ComplaintsMessage {
        &self.message
    }

    /// Resolves the ceremony from the board's messages and returns this
    /// trustee's key share with the public outcome.
    pub fn finish(
        self,
        dealings: &[DealerMessage],
        complaints: &[ComplaintsMessage],
    ) -> Result<(KeyShare, DkgOutcome), ThresholdError> {
        let setup = &self.setup;
        let outcome = resolve(
            &setup.fingerprint,
            &setup.params,
            &setup.roster,
            dealings,
            complaints,
        )?;
        if let Some((_, why)) = outcome.disqualified.iter().find(|(i, _)| *i == setup.me) {
            return Err(ThresholdError::SelfDisqualified(format!("{why:?}")));
        }
        let slots = by_slot(&setup.params, dealings, |m| m.dealer)?;
        let mut total = Scalar::ZERO;
        for dealer in &outcome.qualified {
            let published = slots[dealer.slot()].map(|m| &m.commitments);
            if *dealer == setup.me {
                if published != Some(&self.own_commitments) {
                    return Err(ThresholdError::OwnMessageAltered);
                }
                total += self.own_share.expose();
                continue;
            }
            let received = self.received[dealer.slot()]
                .as_ref()
                .ok_or(ThresholdError::MissingShare(dealer.get()))?;
            if published != Some(&received.commitments) {
                return Err(ThresholdError::MessageChanged(dealer.get()));
            }
            total += received.share.expose();
        }
        let verification_key = *outcome
            .verification_key(setup.me)
            .ok_or(ThresholdError::MissingShare(setup.me.get()))?;
        let share = KeyShare::new(setup.me, SecretScalar::new(total), verification_key)?;
        Ok((share, outcome))
    }
}
