//! Chaum–Pedersen proof of a correct partial decryption (spec/crypto.md §6.3):
//! `log_G V_i = log_α D_i`, where `V_i` is trustee `i`'s verification key
//! and `D_i` its decryption share of `(α, β)`.

use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::context::Fingerprint;
use crate::elgamal::Ciphertext;
use crate::encoding::Point;
use crate::error::{BatchError, ProofError};
use crate::proofs::batch;
use crate::proofs::sigma::{ChaumPedersenProof, DleqStatement};
use crate::secret::SecretScalar;
use crate::threshold::TrusteeIndex;
use crate::transcript::{field, protocol, TranscriptProtocol};

/// The statement: `share = s_i·ciphertext.alpha` where `verification_key = s_i·G`.
#[derive(Clone, Copy, Debug)]
pub struct DecryptionStatement<'a> {
    /// The election.
    pub fingerprint: &'a Fingerprint,
    /// The trustee.
    pub trustee: TrusteeIndex,
    /// `V_i`.
    pub verification_key: &'a Point,
    /// The ciphertext being decrypted.
    pub ciphertext: &'a Ciphertext,
    /// `D_i`.
    pub share: &'a Point,
}

/// Proof of a correct partial decryption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecryptionProof(pub ChaumPedersenProof);

impl DecryptionStatement<'_> {
    pub(crate) fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(protocol::DECRYPTION);
        t.append_fingerprint(self.fingerprint);
        t.append_u64(field::TRUSTEE, u64::from(self.trustee.get()));
        t.append_point(field::GENERATOR, &Point::GENERATOR);
        t.append_point(field::TRUSTEE_KEY, self.verification_key);
        t.append_point(field::ALPHA, &self.ciphertext.alpha);
        t.append_point(field::BETA, &self.ciphertext.beta);
        t.append_point(field::DECRYPTION_SHARE, self.share);
        t
    }

    fn dleq(&self) -> DleqStatement<'_> {
        DleqStatement {
            x: self.verification_key,
            h: &self.ciphertext.alpha,
            y: self.share,
        }
    }
}

impl DecryptionProof {
    /// Proves that `statement.share = s_i·α` for the secret share `s_i`.
    pub fn prove_with_rng<R: CryptoRngCore + ?Sized>(
        statement: &DecryptionStatement<'_>,
        secret: &SecretScalar,
        rng: &mut R,
    ) -> Self {
        DecryptionProof(ChaumPedersenProof::prove(
            statement.transcript(),
            secret.expose(),
            &statement.ciphertext.alpha,
            rng,
        ))
    }

    /// Verifies the proof.
    pub fn verify(&self, statement: &DecryptionStatement<'_>) -> Result<(), ProofError> {
        if self.0.verify(statement.transcript(), &statement.dleq()) {
            Ok(())
        } else {
            Err(ProofError)
        }
    }

    /// Verifies many proofs at once (typically one trustee's shares of a
    /// whole tally, whose common `V_i` is merged into one term).
    pub fn verify_batch<R: CryptoRngCore + ?Sized>(
        items: &[(DecryptionStatement<'_>, &DecryptionProof)],
        rng: &mut R,
    ) -> Result<(), BatchError> {
        batch::verify_batch(
            items,
            5,
            rng,
            |(statement, proof), eq, weights| {
                let (c, _) = proof.0.challenge(statement.transcript());
                proof
                    .0
                    .add_equations(&statement.dleq(), &c, true, eq, weights);
                true
            },
            |(statement, proof)| proof.verify(statement).is_ok(),
        )
    }
}
