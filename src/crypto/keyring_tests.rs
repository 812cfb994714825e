//! The keyring's unit tests.

use super::*;

fn ring(keys: &[(&str, u8)], active: &str) -> Keyring {
    let keys: Vec<(&str, [u8; 32])> = keys.iter().map(|(id, b)| (*id, [*b; 32])).collect();
    Keyring::new(&keys, active).unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn a_value_opens_for_its_column_under_its_key_only() -> Result<(), CryptoError> {
    let k1 = ring(&[("k1", 1)], "k1");
    let sealed = k1.seal_str("FR7630006000011234567890189", "sdd_mandates.iban")?;
    assert!(!sealed.windows(6).any(|w| w == b"FR7630"));
    assert_eq!(key_id(&sealed), Some("k1"));
    assert_eq!(
        k1.open_string(&sealed, "sdd_mandates.iban")?,
        "FR7630006000011234567890189"
    );
    assert!(matches!(
        k1.open(&sealed, "accounts.phone"),
        Err(CryptoError::Forged)
    ));
    let other = ring(&[("k1", 2)], "k1");
    assert!(matches!(
        other.open(&sealed, "sdd_mandates.iban"),
        Err(CryptoError::Forged)
    ));
    assert!(matches!(
        ring(&[("k2", 1)], "k2").open(&sealed, "sdd_mandates.iban"),
        Err(CryptoError::UnknownKey(id)) if id == "k1"
    ));
    Ok(())
}

#[test]
fn tampering_with_the_header_or_body_is_detected() -> Result<(), CryptoError> {
    let both = ring(&[("k1", 1), ("k2", 1)], "k1");
    let sealed = both.seal_str("+33 6 12 34 56 78", "accounts.phone")?;
    // Same key bytes under another id: the id is authenticated.
    let mut relabelled = sealed.clone();
    relabelled[3] = b'2';
    assert!(matches!(
        both.open(&relabelled, "accounts.phone"),
        Err(CryptoError::Forged)
    ));
    let mut flipped = sealed.clone();
    if let Some(last) = flipped.last_mut() {
        *last ^= 1;
    }
    assert!(both.open(&flipped, "accounts.phone").is_err());
    assert!(matches!(
        both.open(&sealed[..10], "accounts.phone"),
        Err(CryptoError::Malformed)
    ));
    assert!(matches!(
        both.open(b"plain text", "accounts.phone"),
        Err(CryptoError::Malformed)
    ));
    Ok(())
}

#[test]
fn after_rotation_old_values_open_and_are_reported_stale() -> Result<(), CryptoError> {
    let old = ring(&[("k1", 1)], "k1");
    let sealed = old.seal_str("JBSWY3DPEHPK3PXP", "accounts.totp_secret")?;
    let rotated = ring(&[("k1", 1), ("k2", 2)], "k2");
    assert!(rotated.is_stale(&sealed));
    let plain = rotated.open(&sealed, "accounts.totp_secret")?;
    let resealed = rotated.seal(&plain, "accounts.totp_secret")?;
    assert!(!rotated.is_stale(&resealed));
    assert_eq!(key_id(&resealed), Some("k2"));
    let new_only = ring(&[("k2", 2)], "k2");
    assert_eq!(
        new_only.open_string(&resealed, "accounts.totp_secret")?,
        "JBSWY3DPEHPK3PXP"
    );
    Ok(())
}

#[test]
fn configuration_names_the_active_key_or_its_only_one() -> Result<(), CryptoError> {
    let key = |b: u8| secrecy::SecretString::from(STANDARD.encode([b; 32]));
    let mut config = CryptoConfig::default();
    assert!(Keyring::configured(&config)?.is_none());
    config.keys.insert("2026-a".into(), key(1));
    let only = Keyring::configured(&config)?.ok_or(CryptoError::Sealing)?;
    assert_eq!(only.active_id(), "2026-a");
    config.keys.insert("2026-b".into(), key(2));
    assert!(
        Keyring::configured(&config).is_err(),
        "two keys, none active"
    );
    config.active = Some("2026-b".into());
    let both = Keyring::configured(&config)?.ok_or(CryptoError::Sealing)?;
    assert_eq!(both.ids().collect::<Vec<_>>(), ["2026-a", "2026-b"]);
    let sealed = only.seal_str("secret", "t.c")?;
    assert_eq!(both.open_string(&sealed, "t.c")?, "secret");
    config.keys.insert(
        "short".into(),
        secrecy::SecretString::from("AAAA".to_owned()),
    );
    assert!(Keyring::configured(&config).is_err(), "a key of 3 bytes");
    Ok(())
}

#[test]
fn concurrent_starts_on_one_data_directory_share_one_key_file() -> Result<(), CryptoError> {
    let dir = std::env::temp_dir().join(format!("tessera-keyring-{}", std::process::id()));
    let config = CryptoConfig::default();
    let rings: Vec<Keyring> = std::thread::scope(|scope| {
        let starts: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| Keyring::from_config(&config, &dir)))
            .collect();
        starts
            .into_iter()
            .map(|start| start.join().unwrap_or(Err(CryptoError::Sealing)))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .collect::<Result<_, _>>()?;
    let sealed = rings[0].seal_str("shared", "t.c")?;
    for ring in &rings {
        assert_eq!(ring.active_id(), "local");
        assert_eq!(ring.open_string(&sealed, "t.c")?, "shared");
    }
    let files = std::fs::read_dir(&dir)?.count();
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(files, 1, "only the key file remains");
    Ok(())
}

#[test]
fn configuration_mistakes_are_named() {
    assert!(Keyring::new(&[("K1", [0; 32])], "K1").is_err());
    assert!(Keyring::new(&[("k1", [0; 32])], "k2").is_err());
    assert!(Keyring::new(&[("", [0; 32])], "").is_err());
}

#[test]
fn values_of_earlier_releases_open_until_resealed() -> Result<(), CryptoError> {
    let legacy = [9; 32];
    let old = aead::seal(&aead::key(&legacy)?, b"stripe.secret_key", b"sk_live_1")?;
    let ring = ring(&[("k1", 1)], "k1");
    let was = (&legacy, "stripe.secret_key");
    assert_eq!(
        ring.open_or_legacy(&old, "t1.secret_key", was)?,
        b"sk_live_1"
    );
    assert!(
        ring.open_or_legacy(&old, "t1.secret_key", (&legacy, "webhook"))
            .is_err()
    );
    assert!(
        ring.open_or_legacy(&old, "t1.secret_key", (&[8; 32], "stripe.secret_key"))
            .is_err()
    );
    let new = ring.seal(b"sk_live_2", "t1.secret_key")?;
    assert_eq!(
        ring.open_or_legacy(&new, "t1.secret_key", was)?,
        b"sk_live_2"
    );
    assert!(ring.open_or_legacy(&new, "t2.secret_key", was).is_err());
    assert!(new.starts_with(&ring.active_prefix()));
    assert!(!old.starts_with(&ring.active_prefix()));
    Ok(())
}
