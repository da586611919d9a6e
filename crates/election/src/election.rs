//! An election ready for ballots: a validated manifest with its joint key
//! and fingerprints, and each ballot style's layout precomputed.

use psephos_crypto::context::Fingerprint;
use psephos_crypto::elgamal::PublicKey;
use psephos_crypto::threshold::ThresholdParams;

use crate::error::ManifestError;
use crate::fingerprint::{ceremony_fingerprint, election_fingerprint};
use crate::manifest::Manifest;

/// The shape of one question in a ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionLayout {
    /// Question id.
    pub id: String,
    /// Number of options (encrypted selections).
    pub options: usize,
    /// Allowed values of the sum of the selections (`min..=max`).
    pub sums: Vec<u64>,
}

/// The shape of a ballot of one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleLayout {
    /// Style id.
    pub id: String,
    /// Questions in ballot order.
    pub questions: Vec<QuestionLayout>,
}

/// A validated manifest with its key and fingerprints.
#[derive(Clone, Debug)]
pub struct Election {
    /// The manifest.
    pub manifest: Manifest,
    /// Fingerprint of the key ceremony (manifest only).
    pub ceremony: Fingerprint,
    /// The election fingerprint every ballot is bound to.
    pub fingerprint: Fingerprint,
    /// The joint election key.
    pub key: PublicKey,
    /// Threshold parameters.
    pub params: ThresholdParams,
    /// One layout per ballot style, in manifest order.
    pub layouts: Vec<StyleLayout>,
}

impl Election {
    /// Assembles an election from the manifest, the exact bytes of the board
    /// leaf that published it, and the joint key from the key ceremony.
    pub fn new(
        manifest: Manifest,
        manifest_leaf: &[u8],
        key: PublicKey,
    ) -> Result<Self, ManifestError> {
        manifest.validate()?;
        let params = manifest.params()?;
        let layouts = manifest
            .ballot_styles
            .iter()
            .map(|style| StyleLayout {
                id: style.id.clone(),
                questions: manifest
                    .style_questions(style)
                    .into_iter()
                    .map(|q| QuestionLayout {
                        id: q.id.clone(),
                        options: q.option_count(),
                        sums: q.allowed_sums(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Election {
            ceremony: ceremony_fingerprint(manifest_leaf),
            fingerprint: election_fingerprint(manifest_leaf, &key),
            manifest,
            key,
            params,
            layouts,
        })
    }

    /// The layout of a ballot style.
    pub fn layout(&self, style: &str) -> Option<&StyleLayout> {
        self.layouts.iter().find(|l| l.id == style)
    }

    /// Index of a style in manifest order.
    pub fn style_index(&self, style: &str) -> Option<usize> {
        self.layouts.iter().position(|l| l.id == style)
    }
}
