//! Everything the pages ask of the voter's device, in plain Rust: the
//! WebAssembly bindings ([`crate::bindings`]) are thin wrappers around these
//! functions, and the native tests call them directly.
//!
//! Inputs are the JSON bodies of the HTTP API (spec/api.md) and the protocol
//! objects of spec/record.md; outputs are protocol objects or small reports
//! as JSON, so that JavaScript never handles a secret: the secret credential
//! lives in a [`Voter`] and the encryption nonces in a [`Draft`], both in
//! WebAssembly memory, zeroized when dropped.

use psephos_crypto::context::CredentialKey;
use psephos_crypto::encoding::{from_hex_array, to_hex};
use psephos_election::ballot::{Ballot, Purpose, TrackingCode};
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{self, leaf_hash, Hash};
use psephos_election::board::messages::{BoardMessage, ElectionKey};
use psephos_election::credentials::{SecretCredential, VotingLink};
use psephos_election::election::Election;
use psephos_election::manifest::Manifest;
use psephos_election::receipt::{NodeHash, Receipt};
use psephos_election::receipt_email::ReceiptEmailRequest;
use psephos_election::signing::PublicSigningKey;
use psephos_election::voter::{encrypt_ballot_with_rng, AuditedBallot, BallotDraft};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ClientError;

/// The body of `GET /api/elections/{id}` (spec/api.md §2). Members the
/// client does not know are ignored, so that the server may add some.
#[derive(Deserialize)]
struct ElectionResponse {
    election_id: String,
    phase: String,
    manifest: Manifest,
    manifest_leaf_hash: NodeHash,
    election_key: Option<ElectionKey>,
    board_key: PublicSigningKey,
}

/// An election as the voter's device checked it.
///
/// The manifest is re-encoded as its board leaf (spec/record.md §9.1) and
/// must hash to the leaf hash the server names; the election fingerprint is
/// recomputed from that leaf and the joint key and must equal the published
/// one. So every ballot this device makes is bound to exactly the manifest
/// the voter was shown.
#[derive(Clone, Debug)]
pub struct ElectionView {
    /// The election id.
    pub election_id: String,
    /// The phase the server reports (`keygen` … `published`).
    pub phase: String,
    /// The validated manifest.
    pub manifest: Manifest,
    /// `SHA-256(0x00 || leaf 0)`.
    pub manifest_leaf_hash: Hash,
    /// The election, once the key ceremony has produced the joint key.
    pub election: Option<Election>,
}

impl ElectionView {
    /// Parses and checks the body of `GET /api/elections/{id}`.
    pub fn from_json(json: &str) -> Result<Self, ClientError> {
        let response: ElectionResponse =
            serde_json::from_str(json).map_err(|e| ClientError::malformed("election", e))?;
        let manifest = response.manifest;
        if response.election_id != manifest.election_id {
            return Err(ClientError::ManifestMismatch);
        }
        if response.board_key.as_bytes() != manifest.board_key.as_bytes() {
            return Err(ClientError::BoardKeyMismatch);
        }
        let leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();
        if leaf_hash(&leaf) != response.manifest_leaf_hash.0 {
            return Err(ClientError::ManifestMismatch);
        }
        let election = match response.election_key {
            None => {
                manifest.validate()?;
                None
            }
            Some(key) => {
                // Election::new validates the manifest.
                let election = Election::new(manifest.clone(), &leaf, key.joint_key)?;
                if election.fingerprint != key.fingerprint {
                    return Err(ClientError::ElectionKeyMismatch);
                }
                Some(election)
            }
        };
        Ok(ElectionView {
            election_id: response.election_id,
            phase: response.phase,
            manifest,
            manifest_leaf_hash: response.manifest_leaf_hash.0,
            election,
        })
    }

    /// The election, or [`ClientError::NoElectionKey`] before the ceremony.
    pub fn election(&self) -> Result<&Election, ClientError> {
        self.election.as_ref().ok_or(ClientError::NoElectionKey)
    }

    /// The election fingerprint as hex, once there is a key.
    pub fn fingerprint_hex(&self) -> Option<String> {
        self.election.as_ref().map(|e| e.fingerprint.to_string())
    }

    fn board_key(&self) -> &PublicSigningKey {
        &self.manifest.board_key
    }
}

/// The election id of a voting link (or a bare fragment), after checking
/// that the whole link parses; the secret is dropped at once.
pub fn link_election_id(link: &str) -> Result<String, ClientError> {
    VotingLink::parse(link)
        .map(|l| l.election_id)
        .map_err(|_| ClientError::BadLink)
}

/// The voter: the secret credential from the voting link, kept in this
/// process's memory only (zeroized on drop).
pub struct Voter {
    election_id: String,
    credential: SecretCredential,
    public: CredentialKey,
}

impl Voter {
    /// Reads the voting link (spec/record.md §6.4) for this election.
    pub fn from_link(view: &ElectionView, link: &str) -> Result<Self, ClientError> {
        let link = VotingLink::parse(link).map_err(|_| ClientError::BadLink)?;
        if link.election_id != view.election_id {
            return Err(ClientError::OtherElection {
                link: link.election_id,
                election: view.election_id.clone(),
            });
        }
        let public = link.credential.public(&link.election_id);
        Ok(Voter {
            election_id: link.election_id,
            credential: link.credential,
            public,
        })
    }

    /// The public credential, as the server's voter endpoint names it.
    pub fn public_hex(&self) -> String {
        self.public.to_string()
    }

    /// Signs a request that the server e-mail the receipt of the ballot
    /// with this tracking code (hex) to `email` (spec/api.md §2.1).
    pub fn receipt_email_request(
        &self,
        tracking_code: &str,
        email: &str,
    ) -> Result<ReceiptEmailRequest, ClientError> {
        let code = from_hex_array::<32>(tracking_code).map_err(|e| ClientError::Malformed {
            what: "tracking code",
            reason: e.to_string(),
        })?;
        Ok(ReceiptEmailRequest::sign(
            &self.credential,
            &self.election_id,
            TrackingCode(code),
            email.trim(),
        ))
    }

    /// Encrypts and proves a ballot (spec/record.md §7.3) of `style`, with
    /// `choices` the selected option indices per question of the style.
    pub fn encrypt_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        view: &ElectionView,
        style: &str,
        choices: &[Vec<usize>],
        rng: &mut R,
    ) -> Result<Draft, ClientError> {
        if view.election_id != self.election_id {
            return Err(ClientError::OtherElection {
                link: self.election_id.clone(),
                election: view.election_id.clone(),
            });
        }
        let election = view.election()?;
        let draft = encrypt_ballot_with_rng(election, &self.credential, style, choices, rng)?;
        Ok(Draft {
            credential: self.public,
            draft,
        })
    }
}

/// An encrypted ballot that is neither cast nor audited yet. Its tracking
/// code is fixed before the voter decides which, as the Benaloh challenge
/// requires.
pub struct Draft {
    credential: CredentialKey,
    draft: BallotDraft,
}

impl Draft {
    /// The tracking code the ballot has, cast or audited.
    pub fn tracking_code(&self) -> TrackingCode {
        self.draft.tracking_code()
    }

    fn check_voter(&self, voter: &Voter) -> Result<(), ClientError> {
        if voter.public == self.credential {
            Ok(())
        } else {
            Err(ClientError::OtherVoter)
        }
    }

    /// Signs the ballot for casting; the nonces are erased.
    pub fn cast(self, voter: &Voter) -> Result<Ballot, ClientError> {
        self.check_voter(voter)?;
        Ok(self.draft.cast(&voter.credential, &voter.election_id))
    }

    /// Spoils the ballot for a Benaloh audit, revealing its nonces.
    pub fn audit(self, voter: &Voter) -> Result<AuditedBallot, ClientError> {
        self.check_voter(voter)?;
        Ok(self.draft.audit(&voter.credential, &voter.election_id))
    }
}

/// What a verified Benaloh audit reveals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The spoiled ballot's tracking code (hex).
    pub tracking_code: String,
    /// Its short form.
    pub short_code: String,
    /// The ballot style.
    pub style: String,
    /// Per question of the style, the selected option indices.
    pub choices: Vec<Vec<usize>>,
}

/// Checks an audited ballot completely (spec/record.md §7.3 VerifyAudit)
/// and returns the choices it encrypts.
pub fn verify_audit(view: &ElectionView, json: &str) -> Result<AuditReport, ClientError> {
    let audit: AuditedBallot =
        serde_json::from_str(json).map_err(|e| ClientError::malformed("audit", e))?;
    let election = view.election()?;
    let choices = audit
        .verify(election)
        .map_err(|e| ClientError::Audit(e.to_string()))?;
    let code = audit.ballot.tracking_code();
    Ok(AuditReport {
        tracking_code: code.to_string(),
        short_code: code.short(),
        style: audit.ballot.style,
        choices,
    })
}

/// What a verified cast ballot is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BallotReport {
    /// Tracking code (hex).
    pub tracking_code: String,
    /// Its short form.
    pub short_code: String,
    /// The public credential that signed it.
    pub credential: String,
    /// The ballot style.
    pub style: String,
}

/// Checks a cast ballot: structure, the credential's cast signature and
/// every proof (not whether the credential is on the list: the board and
/// the verifier check that).
pub fn verify_ballot(view: &ElectionView, json: &str) -> Result<BallotReport, ClientError> {
    let ballot: Ballot =
        serde_json::from_str(json).map_err(|e| ClientError::malformed("ballot", e))?;
    let election = view.election()?;
    let code = ballot.tracking_code();
    ballot.verify_signature(&code, Purpose::Cast)?;
    ballot.verify_proofs(election)?;
    Ok(BallotReport {
        tracking_code: code.to_string(),
        short_code: code.short(),
        credential: ballot.credential.to_string(),
        style: ballot.style,
    })
}

/// What a verified receipt proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceiptReport {
    /// The election.
    pub election_id: String,
    /// Tracking code (hex).
    pub tracking_code: String,
    /// Its short form.
    pub short_code: String,
    /// The ballot's position in the log.
    pub leaf_index: u64,
    /// The leaf hash (hex).
    pub leaf_hash: String,
    /// The size of the log the checkpoint covers.
    pub size: u64,
    /// The checkpoint's root (hex).
    pub root: String,
    /// The earlier ballot this one replaced, if any (hex).
    pub supersedes: Option<String>,
    /// Its short form.
    pub supersedes_short: Option<String>,
    /// The receipt's checkpoint, for a later consistency check.
    pub checkpoint: SignedCheckpoint,
}

/// Checks a receipt offline (spec/record.md §12.2): the board's signature on
/// its checkpoint and the inclusion proof of the ballot's leaf.
pub fn verify_receipt(view: &ElectionView, json: &str) -> Result<ReceiptReport, ClientError> {
    let receipt: Receipt =
        serde_json::from_str(json).map_err(|e| ClientError::malformed("receipt", e))?;
    if receipt.election_id != view.election_id {
        return Err(ClientError::Receipt(format!(
            "it is for election `{}`",
            receipt.election_id
        )));
    }
    receipt.verify(view.board_key())?;
    Ok(ReceiptReport {
        election_id: receipt.election_id,
        tracking_code: receipt.tracking_code.to_string(),
        short_code: receipt.tracking_code.short(),
        leaf_index: receipt.leaf_index,
        leaf_hash: to_hex(&receipt.leaf_hash.0),
        size: receipt.checkpoint.size,
        root: to_hex(&receipt.checkpoint.root),
        supersedes: receipt.supersedes.map(|c| c.to_string()),
        supersedes_short: receipt.supersedes.map(|c| c.short()),
        checkpoint: receipt.checkpoint,
    })
}

/// Match (spec/record.md §12.3): the receipt names exactly this ballot,
/// by tracking code and by leaf hash.
pub fn receipt_matches_ballot(receipt_json: &str, ballot_json: &str) -> Result<bool, ClientError> {
    let receipt: Receipt =
        serde_json::from_str(receipt_json).map_err(|e| ClientError::malformed("receipt", e))?;
    let ballot: Ballot =
        serde_json::from_str(ballot_json).map_err(|e| ClientError::malformed("ballot", e))?;
    Ok(receipt.matches_ballot(&ballot))
}

/// A verified checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckpointReport {
    /// Leaves covered.
    pub size: u64,
    /// Merkle root (hex).
    pub root: String,
}

fn checkpoint(view: &ElectionView, json: &str) -> Result<SignedCheckpoint, ClientError> {
    let checkpoint: SignedCheckpoint =
        serde_json::from_str(json).map_err(|e| ClientError::malformed("checkpoint", e))?;
    if checkpoint.log_id != view.election_id {
        return Err(ClientError::Checkpoint(format!(
            "it is for log `{}`",
            checkpoint.log_id
        )));
    }
    checkpoint
        .verify(view.board_key())
        .map_err(|e| ClientError::Checkpoint(e.to_string()))?;
    Ok(checkpoint)
}

/// Checks a signed checkpoint against the manifest's board key
/// (spec/record.md §8.3).
pub fn verify_checkpoint(view: &ElectionView, json: &str) -> Result<CheckpointReport, ClientError> {
    let checkpoint = checkpoint(view, json)?;
    Ok(CheckpointReport {
        size: checkpoint.size,
        root: to_hex(&checkpoint.root),
    })
}

/// The body of `GET /api/elections/{id}/board/consistency`.
#[derive(Deserialize)]
struct ConsistencyResponse {
    first: u64,
    second: u64,
    proof: Vec<NodeHash>,
}

/// Checks that the log of checkpoint `newer` extends the log of checkpoint
/// `older` (both signed by the board), with the board's consistency proof:
/// a board that rewrote its history since `older` fails here.
pub fn verify_consistency(
    view: &ElectionView,
    older: &str,
    newer: &str,
    proof: &str,
) -> Result<CheckpointReport, ClientError> {
    let older = checkpoint(view, older)?;
    let newer = checkpoint(view, newer)?;
    let proof: ConsistencyResponse =
        serde_json::from_str(proof).map_err(|e| ClientError::malformed("consistency proof", e))?;
    if proof.first != older.size || proof.second != newer.size {
        return Err(ClientError::Inconsistent(format!(
            "the proof is between sizes {} and {}, not {} and {}",
            proof.first, proof.second, older.size, newer.size
        )));
    }
    let path: Vec<Hash> = proof.proof.iter().map(|h| h.0).collect();
    merkle::verify_consistency(older.size, newer.size, &older.root, &newer.root, &path)
        .map_err(|e| ClientError::Inconsistent(e.to_string()))?;
    Ok(CheckpointReport {
        size: newer.size,
        root: to_hex(&newer.root),
    })
}

/// The short tracking code (spec/record.md §7.2) of a full one in hex.
pub fn short_code(hex: &str) -> Result<String, ClientError> {
    from_hex_array::<32>(hex.trim())
        .map(|bytes| TrackingCode(bytes).short())
        .map_err(|e| ClientError::malformed("tracking code", e))
}

/// SHA-256 as 64 lowercase hex digits (the booth hash, spec/api.md §6).
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Parses the choices the pages send: per question, the selected option
/// indices, as a JSON array of arrays.
pub fn parse_choices(json: &str) -> Result<Vec<Vec<usize>>, ClientError> {
    serde_json::from_str(json).map_err(|e| ClientError::malformed("choices", e))
}

/// JSON of a report or protocol object. Serialising these types cannot
/// fail (no maps with non-string keys, no floats).
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
