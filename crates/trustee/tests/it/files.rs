//! Key files and state files: round trips, wrong passphrases, corruption,
//! and the determinism that makes resuming safe.

use psephos_crypto::dkg::Dealer;
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionStatement};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{KeyShare, ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::fingerprint::{ceremony_fingerprint, enrolment_fingerprint};
use psephos_trustee::keys::TrusteeKeys;
use psephos_trustee::sealed::{KdfParams, Passphrase, HEADER_LEN, MAGIC};
use psephos_trustee::state::{default_state_path, CeremonyState};
use psephos_trustee::TrusteeError;
use zeroize::Zeroizing;

use crate::common::{passphrase, rng, Trustee};

fn other_passphrase() -> Passphrase {
    Passphrase::new(Zeroizing::new("correct horse battery stapler".into())).unwrap()
}

#[test]
fn a_key_file_opens_to_the_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rng(1);
    let keys = TrusteeKeys::generate_with_rng("agm-2026", &mut rng).unwrap();
    let path = dir.path().join("me.key");
    keys.save_new(
        &path,
        &passphrase(),
        KdfParams::INSECURE_FOR_TESTS,
        &mut rng,
    )
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..16], MAGIC);
    assert_eq!(bytes[16], 1, "format version");
    let (loaded, vault) = TrusteeKeys::load(&path, &passphrase()).unwrap();
    assert_eq!(vault.params(), KdfParams::INSECURE_FOR_TESTS);
    assert_eq!(loaded.election_id(), "agm-2026");
    assert_eq!(loaded.fingerprint(), keys.fingerprint());
    assert_eq!(loaded.signing_public(), keys.signing_public());
    assert_eq!(loaded.encryption().public(), keys.encryption().public());
    // The fingerprint is 80 bits in four groups of four base32 characters.
    let fp = loaded.fingerprint();
    assert_eq!(fp.len(), 19, "{fp}");
    assert!(fp.split('-').all(|g| g.len() == 4), "{fp}");
    // The secret is not in the file in the clear.
    let secret = keys.encryption().secret().expose().to_bytes();
    assert!(!bytes.windows(32).any(|w| w == secret));
    assert!(!bytes.windows(32).any(|w| w == keys.signing().to_bytes()));
    // The manifest entry carries a possession proof bound to the election and index.
    let entry = loaded.public_entry_with_rng(3, "Carol", &mut rng).unwrap();
    assert!(loaded.matches(&entry));
    assert_eq!(entry.index, 3);
    let proves = |election: &str| {
        entry
            .possession_proof
            .verify(&PossessionStatement {
                fingerprint: &enrolment_fingerprint(election),
                claim: PossessionClaim::TrusteeKey {
                    trustee: TrusteeIndex::try_from(3).unwrap(),
                },
                point: &entry.encryption_key,
            })
            .is_ok()
    };
    assert!(proves("agm-2026"));
    assert!(!proves("agm-2027"));
    // A key file is never overwritten.
    let again = keys.save_new(
        &path,
        &passphrase(),
        KdfParams::INSECURE_FOR_TESTS,
        &mut rng,
    );
    assert!(matches!(again, Err(TrusteeError::Exists(_))));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private: {mode:o}");
    }
}

#[test]
fn a_wrong_passphrase_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let t = Trustee::create(dir.path(), "agm-2026", 1, 2);
    let error = TrusteeKeys::load(&t.key_path, &other_passphrase()).unwrap_err();
    assert!(
        matches!(error, TrusteeError::WrongPassphrase { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("wrong passphrase or corrupt key file"),
        "{error}"
    );
    assert!(!error.is_verification_failure());
    assert!(Passphrase::new(Zeroizing::new(String::new())).is_err());
}

#[test]
fn every_byte_flip_of_a_key_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let t = Trustee::create(dir.path(), "agm-2026", 1, 3);
    let good = std::fs::read(&t.key_path).unwrap();
    let bad_path = dir.path().join("flipped.key");
    for position in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bytes = good.clone();
            bytes[position] ^= mask;
            std::fs::write(&bad_path, &bytes).unwrap();
            let error = TrusteeKeys::load(&bad_path, &passphrase()).unwrap_err();
            let expected = if position < HEADER_LEN {
                matches!(
                    error,
                    TrusteeError::WrongPassphrase { .. } | TrusteeError::BadFile { .. }
                )
            } else {
                matches!(error, TrusteeError::WrongPassphrase { .. })
            };
            assert!(expected, "byte {position} ^ {mask:#x}: {error}");
        }
    }
    for cut in [0, 10, HEADER_LEN, good.len() - 1] {
        std::fs::write(&bad_path, &good[..cut]).unwrap();
        assert!(
            TrusteeKeys::load(&bad_path, &passphrase()).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(&bad_path, &longer).unwrap();
    assert!(matches!(
        TrusteeKeys::load(&bad_path, &passphrase()),
        Err(TrusteeError::WrongPassphrase { .. })
    ));
    // Untouched, it still opens.
    std::fs::write(&bad_path, &good).unwrap();
    assert!(TrusteeKeys::load(&bad_path, &passphrase()).is_ok());
}

#[test]
fn a_state_file_is_not_a_key_file_and_belongs_to_one_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = Trustee::create(dir.path(), "agm-2026", 1, 4);
    let b = Trustee::create(dir.path(), "agm-2026", 2, 5);
    let mut rng = rng(6);
    let (state, created) =
        CeremonyState::load_or_create(&a.state_path, &a.keys, &a.vault, &mut rng).unwrap();
    assert!(created);
    assert_eq!(state.path(), default_state_path(&a.key_path));
    assert!(a
        .state_path
        .to_string_lossy()
        .ends_with("trustee-1.key.state"));
    // Offered as a key file, it is refused for what it is.
    let error = TrusteeKeys::load(&a.state_path, &passphrase()).unwrap_err();
    assert!(error.to_string().contains("it is a state file"), "{error}");
    // Another trustee's key file cannot open it.
    let error = CeremonyState::load(&a.state_path, &b.keys, &b.vault).unwrap_err();
    assert!(matches!(error, TrusteeError::Mismatch(_)), "{error}");
    // A flipped byte in a state file is caught.
    let good = std::fs::read(&a.state_path).unwrap();
    let mut bytes = good.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&a.state_path, &bytes).unwrap();
    let error = CeremonyState::load(&a.state_path, &a.keys, &a.vault).unwrap_err();
    assert!(
        matches!(error, TrusteeError::WrongPassphrase { .. }),
        "{error}"
    );
    std::fs::write(&a.state_path, &good).unwrap();
    assert!(CeremonyState::load(&a.state_path, &a.keys, &a.vault).is_ok());
}

#[test]
fn a_reopened_state_rebuilds_the_same_messages() {
    let dir = tempfile::tempdir().unwrap();
    let me = Trustee::create(dir.path(), "agm-2026", 1, 7);
    let other = Trustee::create(dir.path(), "agm-2026", 2, 8);
    let mut rng = rng(9);
    let (mut state, _) =
        CeremonyState::load_or_create(&me.state_path, &me.keys, &me.vault, &mut rng).unwrap();
    let params = ThresholdParams::new(2, 2).unwrap();
    let index = TrusteeIndex::new(1, &params).unwrap();
    let roster = vec![
        *me.keys.encryption().public(),
        *other.keys.encryption().public(),
    ];
    let ceremony = ceremony_fingerprint(b"{\"type\":\"manifest\",\"body\":{}}");
    let deal = |state: &CeremonyState| {
        Dealer::deal_with_rng(
            ceremony,
            params,
            index,
            me.keys.encryption().clone(),
            roster.clone(),
            &mut state.derived_rng("dealing", ceremony.as_bytes()),
        )
        .unwrap()
        .1
    };
    let first = deal(&state);
    // Progress and secrets survive a save and a reload.
    let board_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let checkpoint = SignedCheckpoint::sign("agm-2026", 5, [3; 32], &board_key);
    state.set_last_checkpoint(checkpoint.clone());
    state.set_identity([4; 32], index);
    state.set_dealing_leaf(1);
    let secret = Scalar::from(12345u64);
    let share = KeyShare::new(
        index,
        SecretScalar::new(secret),
        psephos_crypto::encoding::Point::new(psephos_crypto::RistrettoPoint::mul_base(&secret)),
    )
    .unwrap();
    let fingerprint = psephos_crypto::context::Fingerprint::from_bytes([5; 32]);
    state.set_key_share(&share, fingerprint);
    state.save(&me.vault, &mut rng).unwrap();
    let (reopened, created) =
        CeremonyState::load_or_create(&me.state_path, &me.keys, &me.vault, &mut rng).unwrap();
    assert!(!created);
    assert_eq!(deal(&reopened), first, "the same dealing after a restart");
    assert_eq!(reopened.last_checkpoint(), Some(&checkpoint));
    assert_eq!(reopened.manifest_leaf_hash(), Some(&[4; 32]));
    assert_eq!(reopened.trustee(), Some(index));
    assert_eq!(reopened.dealing_leaf(), Some(1));
    assert_eq!(reopened.complaints_leaf(), None);
    assert_eq!(reopened.election_fingerprint(), Some(&fingerprint));
    let loaded = reopened.key_share().unwrap().unwrap();
    assert_eq!(loaded.secret().expose(), &secret);
    assert_eq!(loaded.verification_key(), share.verification_key());
    // Another context or label gets unrelated randomness: no proof nonce is reused.
    use rand_core::RngCore;
    let draw = |label: &str, context: &[u8]| reopened.derived_rng(label, context).next_u64();
    assert_eq!(
        draw("tally-decryption", b"tally A"),
        draw("tally-decryption", b"tally A")
    );
    assert_ne!(
        draw("tally-decryption", b"tally A"),
        draw("tally-decryption", b"tally B")
    );
    assert_ne!(
        draw("complaints", b"tally A"),
        draw("tally-decryption", b"tally A")
    );
    // A fresh state (a lost state file replaced) deals differently.
    std::fs::remove_file(&me.state_path).unwrap();
    let (fresh, created) =
        CeremonyState::load_or_create(&me.state_path, &me.keys, &me.vault, &mut rng).unwrap();
    assert!(created);
    assert_ne!(deal(&fresh), first);
    assert!(fresh.key_share().unwrap().is_none());
}
