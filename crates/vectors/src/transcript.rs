//! Fiat–Shamir transcripts written out as data, so that the vectors show
//! every byte a verifier absorbs (spec/crypto.md §4.4) and the challenge it
//! derives.
//!
//! The generator rebuilds each proof's transcript here from the spec's
//! order, derives the challenge, and checks the proof's verification
//! equations with it: `psephos-crypto` keeps its challenges private, so the
//! equations holding is what shows that this transcript is the crate's.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use psephos_crypto::context::{BallotContext, Fingerprint};
use psephos_crypto::encoding::Point;
use psephos_crypto::transcript::field;
use serde_json::Value;

use crate::json::{hex_value, Obj};
use crate::Error;

#[derive(Clone, Debug)]
enum Append {
    Message(Vec<u8>),
    U64(u64),
}

/// A merlin transcript that also records what it absorbed.
#[derive(Clone)]
pub struct Log {
    protocol: &'static [u8],
    transcript: Transcript,
    appends: Vec<(&'static [u8], Append)>,
}

fn label(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

impl Log {
    /// `Transcript::new(protocol)`.
    pub fn new(protocol: &'static [u8]) -> Self {
        Log {
            protocol,
            transcript: Transcript::new(protocol),
            appends: Vec::new(),
        }
    }

    /// `append_message(label, bytes)`.
    pub fn message(&mut self, label: &'static [u8], bytes: &[u8]) {
        self.transcript.append_message(label, bytes);
        self.appends.push((label, Append::Message(bytes.to_vec())));
    }

    /// `append_message(label, point encoding)`.
    pub fn point(&mut self, label: &'static [u8], point: &Point) {
        self.message(label, point.as_bytes());
    }

    /// `append_u64(label, n)`: the 8-byte little-endian encoding of `n`.
    pub fn u64(&mut self, label: &'static [u8], n: u64) {
        self.transcript.append_u64(label, n);
        self.appends.push((label, Append::U64(n)));
    }

    /// Fingerprint, credential and position, in that order.
    pub fn ballot_context(&mut self, context: &BallotContext) {
        self.fingerprint(&context.fingerprint);
        self.message(field::CREDENTIAL, context.credential.as_bytes());
        self.message(field::POSITION, &context.position.to_bytes());
    }

    /// The fingerprint.
    pub fn fingerprint(&mut self, fingerprint: &Fingerprint) {
        self.message(field::FINGERPRINT, fingerprint.as_bytes());
    }

    /// 64 challenge bytes labelled `c`, reduced modulo ℓ. Consumes the log
    /// and returns the challenge with the record of the transcript.
    pub fn challenge(self) -> Result<(Scalar, Value), Error> {
        let mut transcript = self.transcript;
        let mut wide = [0u8; 64];
        transcript.challenge_bytes(field::CHALLENGE, &mut wide);
        let c = Scalar::from_bytes_mod_order_wide(&wide);
        let mut appends = Vec::new();
        for (l, append) in &self.appends {
            let obj = Obj::new().with("label", label(l));
            appends.push(match append {
                Append::Message(bytes) => obj.with("message", hex_value(bytes)).build(),
                Append::U64(n) => obj.put("u64", n)?.build(),
            });
        }
        let record = Obj::new()
            .with("protocol", label(self.protocol))
            .with("appends", Value::Array(appends))
            .with(
                "challenge",
                Obj::new()
                    .with("label", label(field::CHALLENGE))
                    .put("length", &64u32)?
                    .text("reduce", "little-endian integer modulo ℓ")
                    .with("bytes", hex_value(&wide))
                    .build(),
            )
            .build();
        Ok((c, record))
    }
}
