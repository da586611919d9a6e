//! The numbered checks of spec/verify.md. Each has a stable id (`V1`…),
//! a short name, and what it establishes.

use serde::Serialize;

macro_rules! checks {
    ($($variant:ident = $id:literal, $name:literal, $what:literal;)*) => {
        /// One check of the verifier.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Check {
            $(
                #[doc = $what]
                $variant,
            )*
        }

        impl Check {
            /// Every check, in report order.
            pub const ALL: &'static [Check] = &[$(Check::$variant),*];

            /// The stable id, e.g. `V13`.
            pub fn id(self) -> &'static str {
                match self { $(Check::$variant => $id,)* }
            }

            /// A short name.
            pub fn name(self) -> &'static str {
                match self { $(Check::$variant => $name,)* }
            }

            /// What passing the check establishes.
            pub fn description(self) -> &'static str {
                match self { $(Check::$variant => $what,)* }
            }
        }
    };
}

checks! {
    RecordFormat = "V1", "record-format", "The record has a header, one leaf per line, every leaf a known board message, and a final checkpoint.";
    LogIntegrity = "V2", "log-integrity", "The final checkpoint is signed by the board key from the manifest and commits to exactly these leaves (RFC 9162 root and size).";
    LeafOrder = "V3", "leaf-order", "Messages appear in the order the protocol requires, each phase once.";
    Manifest = "V4", "manifest", "Leaf 0 is a valid manifest; every trustee proves possession of its encryption key.";
    TrusteeMessages = "V5", "trustee-messages", "Every trustee message is signed by that trustee's key from the manifest, at most one per trustee and round.";
    KeyCeremony = "V6", "key-ceremony", "The key ceremony resolves: dealings checked, every complaint decided, at least t trustees qualified.";
    ElectionKey = "V7", "election-key", "The published joint key, fingerprint and qualified set equal those recomputed from the ceremony.";
    CredentialList = "V8", "credential-list", "The credential list is signed by the credential authority, sorted, without duplicates, with known ballot styles.";
    VotingWindow = "V9", "voting-window", "The window opened and closed within the manifest's voting window, in order.";
    BallotSignatures = "V10", "ballot-signatures", "Every cast ballot is signed by its credential under the cast domain.";
    BallotEligibility = "V11", "ballot-eligibility", "Every ballot's credential is on the list, and the ballot has that credential's style.";
    BallotStructure = "V12", "ballot-structure", "Every ballot names this election and answers exactly its style's questions and options.";
    BallotProofs = "V13", "ballot-proofs", "Every selection encrypts 0 or 1 and every question's selections sum within [min, max] (all proofs recomputed).";
    BallotUniqueness = "V14", "ballot-uniqueness", "No ballot appears twice, and no ballot's ciphertexts are replayed in another ballot.";
    Revotes = "V15", "revotes", "For each credential only its last cast ballot counts.";
    Audits = "V16", "audits", "Every audited ballot is valid, opens to its revealed choices, and is never counted.";
    Tally = "V17", "tally", "The encrypted tally is the sum of exactly the counted ballots, per ballot style.";
    DecryptionShares = "V18", "decryption-shares", "Every decryption share is signed by a qualified trustee and proved correct against its verification key.";
    Combination = "V19", "combination", "At least t valid shares combine to counts within range for every tally entry.";
    Result = "V20", "result", "The published result equals the counts decrypted from the tally.";
}

#[cfg(test)]
mod tests {
    use super::Check;

    #[test]
    fn ids_are_unique_and_sequential() {
        for (k, check) in Check::ALL.iter().enumerate() {
            assert_eq!(check.id(), format!("V{}", k + 1));
        }
    }
}
