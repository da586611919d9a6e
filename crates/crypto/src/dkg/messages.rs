//! The public messages of the key ceremony and their structural checks
//! (spec/crypto.md §7.2, §7.4).

use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::context::Fingerprint;
use crate::encoding::{bytes_hex, Point};
use crate::error::ThresholdError;
use crate::proofs::batch::TranscriptRng;
use crate::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use crate::proofs::sigma::{ChaumPedersenProof, DleqStatement};
use crate::secret::SecretScalar;
use crate::threshold::{ThresholdParams, TrusteeIndex};
use crate::transcript::{field, protocol, TranscriptProtocol};

use super::share_encryption::{ShareRoute, SEALED_SHARE_LEN};

/// One share `s_{ij}` sealed to its recipient `j`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedShare {
    /// The recipient `j`.
    pub recipient: TrusteeIndex,
    /// Ephemeral key `E = e·G`.
    pub ephemeral: Point,
    /// ChaCha20-Poly1305 ciphertext and tag of the share's encoding.
    #[serde(with = "bytes_hex")]
    pub sealed: [u8; SEALED_SHARE_LEN],
}

/// Round 1: dealer `i`'s commitments, proofs of possession and sealed shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerMessage {
    /// The dealer `i`.
    pub dealer: TrusteeIndex,
    /// `C_{i,k} = a_{i,k}·G` for `k = 0..t`.
    pub commitments: Vec<Point>,
    /// A proof of possession for each commitment, in the same order.
    pub proofs: Vec<PossessionProof>,
    /// One sealed share per other trustee, in ascending recipient order.
    pub shares: Vec<SealedShare>,
}

/// Proof that a complaint's revealed value is `S = x_j·E`:
/// `log_G P_j = log_E S`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComplaintProof(pub ChaumPedersenProof);

/// Trustee `j`'s complaint that dealer `i`'s share does not open or verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// The accused dealer `i`.
    pub dealer: TrusteeIndex,
    /// The Diffie–Hellman value `S = x_j·E_{ij}`, which opens the share.
    pub shared_secret: Point,
    /// Proof that `S` is the true value.
    pub proof: ComplaintProof,
}

/// Round 2: trustee `j`'s complaints; an empty list confirms every share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintsMessage {
    /// The complainer `j`.
    pub complainer: TrusteeIndex,
    /// Complaints, at most one per dealer, in ascending dealer order.
    pub complaints: Vec<Complaint>,
}

impl DealerMessage {
    /// The sealed share addressed to `recipient`, if any.
    pub fn share_for(&self, recipient: TrusteeIndex) -> Option<&SealedShare> {
        self.shares.iter().find(|s| s.recipient == recipient)
    }

    /// Checks everything about the message that anyone can check: shape,
    /// non-identity commitments and ephemerals, proofs of possession, one
    /// share for each other trustee in ascending order.
    pub fn check_public(
        &self,
        fingerprint: &Fingerprint,
        params: &ThresholdParams,
    ) -> Result<(), ThresholdError> {
        let dealer = self.dealer;
        let malformed = |reason| ThresholdError::MalformedMessage {
            dealer: dealer.get(),
            reason,
        };
        TrusteeIndex::new(dealer.get(), params)?;
        let t = params.t() as usize;
        if self.commitments.len() != t {
            return Err(malformed("wrong number of coefficient commitments"));
        }
        if self.proofs.len() != t {
            return Err(malformed("wrong number of proofs of possession"));
        }
        if self.commitments.iter().any(Point::is_identity) {
            return Err(malformed("identity coefficient commitment"));
        }
        let statements: Vec<(PossessionStatement<'_>, &PossessionProof)> = self
            .commitments
            .iter()
            .zip(&self.proofs)
            .enumerate()
            .map(|(k, (commitment, proof))| {
                let claim = PossessionClaim::Coefficient {
                    dealer,
                    index: k as u32,
                };
                (
                    PossessionStatement {
                        fingerprint,
                        claim,
                        point: commitment,
                    },
                    proof,
                )
            })
            .collect();
        // Batch weights need only be unpredictable before the message is
        // fixed, so they are derived from the message itself.
        if PossessionProof::verify_batch(&statements, &mut message_rng(fingerprint, self)).is_err()
        {
            return Err(malformed("invalid proof of possession"));
        }
        let expected: Vec<TrusteeIndex> = params.indices().filter(|j| *j != dealer).collect();
        let recipients: Vec<TrusteeIndex> = self.shares.iter().map(|s| s.recipient).collect();
        if recipients != expected {
            return Err(malformed(
                "shares are not exactly one per other trustee in ascending order",
            ));
        }
        if self.shares.iter().any(|s| s.ephemeral.is_identity()) {
            return Err(malformed("identity ephemeral key"));
        }
        Ok(())
    }
}

/// A deterministic RNG seeded by a hash of the whole dealing (for batch
/// weights, which must only be unpredictable before the message is fixed).
fn message_rng(fingerprint: &Fingerprint, message: &DealerMessage) -> TranscriptRng {
    let mut t = Transcript::new(protocol::VERIFIER_WEIGHTS);
    t.append_fingerprint(fingerprint);
    t.append_u64(field::DEALER, u64::from(message.dealer.get()));
    for (c, p) in message.commitments.iter().zip(&message.proofs) {
        t.append_point(field::COEFFICIENT, c);
        t.append_point(field::COMMITMENT_A, &p.0.a);
        t.append_scalar(field::RESPONSE, &p.0.z);
    }
    TranscriptRng::new(t)
}

/// The transcript of a complaint proof.
fn complaint_transcript(
    route: &ShareRoute<'_>,
    ephemeral: &Point,
    shared_secret: &Point,
) -> Transcript {
    let mut t = Transcript::new(protocol::COMPLAINT);
    t.append_fingerprint(route.fingerprint);
    t.append_u64(field::DEALER, u64::from(route.dealer.get()));
    t.append_u64(field::RECIPIENT, u64::from(route.recipient.get()));
    t.append_point(field::GENERATOR, &Point::GENERATOR);
    t.append_point(field::RECIPIENT_KEY, route.recipient_key);
    t.append_point(field::EPHEMERAL, ephemeral);
    t.append_point(field::SHARED_SECRET, shared_secret);
    t
}

impl ComplaintProof {
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        route: &ShareRoute<'_>,
        ephemeral: &Point,
        shared_secret: &Point,
        recipient_secret: &SecretScalar,
        rng: &mut R,
    ) -> Self {
        let transcript = complaint_transcript(route, ephemeral, shared_secret);
        ComplaintProof(ChaumPedersenProof::prove(
            transcript,
            recipient_secret.expose(),
            ephemeral,
            rng,
        ))
    }

    pub(crate) fn verify(
        &self,
        route: &ShareRoute<'_>,
        ephemeral: &Point,
        shared_secret: &Point,
    ) -> bool {
        let transcript = complaint_transcript(route, ephemeral, shared_secret);
        let statement = DleqStatement {
            x: route.recipient_key,
            h: ephemeral,
            y: shared_secret,
        };
        self.0.verify(transcript, &statement)
    }
}
