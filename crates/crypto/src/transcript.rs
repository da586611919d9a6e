//! Every merlin transcript label of the protocol, in one place
//! (spec/crypto.md §4, "Transcripts", which lists the same table).
//!
//! A protocol label names the proof kind and its version; it is the label
//! merlin's `Transcript::new` absorbs as the domain separator. Field labels
//! name each appended value; call sites append them in exactly the order the
//! spec gives. Changing any label or order is a protocol version change.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

use crate::context::{BallotContext, Fingerprint};
use crate::encoding::Point;

/// Protocol (domain-separation) labels, one per transcript kind.
pub mod protocol {
    /// Disjunctive Chaum–Pedersen proof that a ciphertext encrypts one of a set of values.
    pub const DISJUNCTIVE: &[u8] = b"psephos/v1/proof/disjunctive-chaum-pedersen";
    /// Schnorr proof of knowledge of a ciphertext's encryption randomness.
    pub const RANDOMNESS: &[u8] = b"psephos/v1/proof/randomness-knowledge";
    /// Chaum–Pedersen proof of a correct partial decryption.
    pub const DECRYPTION: &[u8] = b"psephos/v1/proof/partial-decryption";
    /// Schnorr proof of possession of a DKG coefficient commitment.
    pub const COEFFICIENT_POSSESSION: &[u8] = b"psephos/v1/proof/coefficient-possession";
    /// Schnorr proof of possession of a trustee's long-term encryption key.
    pub const TRUSTEE_KEY_POSSESSION: &[u8] = b"psephos/v1/proof/trustee-key-possession";
    /// Chaum–Pedersen proof that a complaint reveals the true Diffie–Hellman value.
    pub const COMPLAINT: &[u8] = b"psephos/v1/proof/dkg-complaint";
    /// Key derivation for the encryption of a DKG share.
    pub const SHARE_KEY: &[u8] = b"psephos/v1/kdf/dkg-share";
    /// Non-normative: derivation of the weights a verifier uses to check all
    /// equations of one proof with a single multiscalar multiplication.
    pub const VERIFIER_WEIGHTS: &[u8] = b"psephos/v1/verifier-weights";

    /// Every protocol label, for the uniqueness test and the spec table.
    pub const ALL: &[&[u8]] = &[
        DISJUNCTIVE,
        RANDOMNESS,
        DECRYPTION,
        COEFFICIENT_POSSESSION,
        TRUSTEE_KEY_POSSESSION,
        COMPLAINT,
        SHARE_KEY,
        VERIFIER_WEIGHTS,
    ];
}

/// Field labels, appended in the order spec/crypto.md §4 gives for each protocol.
pub mod field {
    /// The election (or ceremony) fingerprint, 32 bytes.
    pub const FINGERPRINT: &[u8] = b"fingerprint";
    /// The voter's public credential, 32 bytes.
    pub const CREDENTIAL: &[u8] = b"credential";
    /// `LE32(question) || LE32(option)`.
    pub const POSITION: &[u8] = b"position";
    /// The generator `G`.
    pub const GENERATOR: &[u8] = b"G";
    /// The election public key `K`.
    pub const ELECTION_KEY: &[u8] = b"K";
    /// Number of ciphertexts in a statement, as merlin `append_u64`.
    pub const CIPHERTEXT_COUNT: &[u8] = b"ciphertext-count";
    /// First ciphertext component `α = r·G`.
    pub const ALPHA: &[u8] = b"alpha";
    /// Second ciphertext component `β = m·G + r·K`.
    pub const BETA: &[u8] = b"beta";
    /// Number of allowed values, as merlin `append_u64`.
    pub const VALUE_COUNT: &[u8] = b"value-count";
    /// One allowed value, as merlin `append_u64`.
    pub const VALUE: &[u8] = b"value";
    /// First commitment of a branch or proof.
    pub const COMMITMENT_A: &[u8] = b"a";
    /// Second commitment of a branch or proof.
    pub const COMMITMENT_B: &[u8] = b"b";
    /// The Fiat–Shamir challenge (64 bytes, reduced wide).
    pub const CHALLENGE: &[u8] = b"c";
    /// A trustee index, as merlin `append_u64`.
    pub const TRUSTEE: &[u8] = b"trustee";
    /// A trustee's verification key or long-term public key.
    pub const TRUSTEE_KEY: &[u8] = b"trustee-key";
    /// A partial decryption `D = s·α`.
    pub const DECRYPTION_SHARE: &[u8] = b"decryption-share";
    /// Coefficient index `k`, as merlin `append_u64`.
    pub const COEFFICIENT_INDEX: &[u8] = b"coefficient-index";
    /// A coefficient commitment `C = a·G`.
    pub const COEFFICIENT: &[u8] = b"coefficient";
    /// The dealer of a DKG share, as merlin `append_u64`.
    pub const DEALER: &[u8] = b"dealer";
    /// The recipient of a DKG share, as merlin `append_u64`.
    pub const RECIPIENT: &[u8] = b"recipient";
    /// The recipient's long-term public key.
    pub const RECIPIENT_KEY: &[u8] = b"recipient-key";
    /// The ephemeral Diffie–Hellman key `E = e·G`.
    pub const EPHEMERAL: &[u8] = b"ephemeral";
    /// The Diffie–Hellman value `S = e·P = x·E`.
    pub const SHARED_SECRET: &[u8] = b"shared-secret";
    /// Derived symmetric key bytes.
    pub const KEY: &[u8] = b"key";
    /// Non-normative: a proof's responses, absorbed before deriving verifier weights.
    pub const RESPONSE: &[u8] = b"response";
    /// Non-normative: verifier weight bytes.
    pub const WEIGHTS: &[u8] = b"weights";
}

/// Appending wire values to merlin transcripts.
pub(crate) trait TranscriptProtocol {
    /// Appends a point's canonical encoding.
    fn append_point(&mut self, label: &'static [u8], point: &Point);
    /// Appends a scalar's canonical encoding.
    fn append_scalar(&mut self, label: &'static [u8], scalar: &Scalar);
    /// Appends the fingerprint.
    fn append_fingerprint(&mut self, fingerprint: &Fingerprint);
    /// Appends fingerprint, credential and position, in that order.
    fn append_ballot_context(&mut self, context: &BallotContext);
    /// Draws 64 bytes and reduces them modulo ℓ.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn append_point(&mut self, label: &'static [u8], point: &Point) {
        self.append_message(label, point.as_bytes());
    }

    fn append_scalar(&mut self, label: &'static [u8], scalar: &Scalar) {
        self.append_message(label, scalar.as_bytes());
    }

    fn append_fingerprint(&mut self, fingerprint: &Fingerprint) {
        self.append_message(field::FINGERPRINT, fingerprint.as_bytes());
    }

    fn append_ballot_context(&mut self, context: &BallotContext) {
        self.append_fingerprint(&context.fingerprint);
        self.append_message(field::CREDENTIAL, context.credential.as_bytes());
        self.append_message(field::POSITION, &context.position.to_bytes());
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

#[cfg(test)]
mod tests {
    use super::protocol;

    #[test]
    fn protocol_labels_are_unique_and_versioned() {
        for (i, a) in protocol::ALL.iter().enumerate() {
            assert!(
                a.starts_with(b"psephos/v1/"),
                "label {i} lacks the version prefix"
            );
            for b in &protocol::ALL[i + 1..] {
                assert_ne!(a, b, "duplicate protocol label");
            }
        }
    }
}
