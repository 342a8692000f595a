//! API keys and SDK tokens: the right credential passes; none, wrong, expired, another
//! verification's, wrong scope, re-signed with `none` or another key, or over-long are refused
//! with the right code and HTTP status.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use auth::{NewApiKey, TokenKey, issue_token, parse_api_key, scope, verify_api_key, verify_token};
use base64ct::{Base64UrlUnpadded, Encoding};
use proptest::prelude::*;

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

const NOW: i64 = 1_764_000_000;

#[test]
fn api_keys_are_stored_as_hashes_and_checked() {
    let k = NewApiKey::generate(&mut rng());
    assert!(k.secret.starts_with(&format!("idv_{}_", k.stored.prefix)));
    assert!(!k.stored.hash.contains(k.secret.as_str()));
    assert!(verify_api_key(&k.secret, &k.stored).is_ok());
    let other = NewApiKey::generate(&mut rng());
    assert_eq!(
        verify_api_key(&other.secret, &k.stored)
            .unwrap_err()
            .http_status(),
        401
    );
    let mut flipped = k.secret.to_string();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        verify_api_key(&flipped, &k.stored).unwrap_err().code(),
        "credential_invalid"
    );
    for bad in ["", "Bearer x", "idv_short_x", "idv_abcdefgh_tooshort"] {
        assert_eq!(
            verify_api_key(bad, &k.stored).unwrap_err().code(),
            "credential_malformed",
            "{bad}"
        );
    }
    assert!(!format!("{k:?}").contains(k.secret.as_str()));
    assert_eq!(parse_api_key(&k.secret).unwrap().0, k.stored.prefix);
}

#[test]
fn sdk_tokens_are_bound_scoped_and_short_lived() {
    let key = TokenKey::new("k1", [9; 32]);
    let keys = [TokenKey::new("k1", [9; 32])];
    let t = issue_token(
        &key,
        "ver_1",
        &[scope::DOCUMENT, scope::SUBMIT],
        NOW,
        900,
        &mut rng(),
    )
    .unwrap();
    let claims = verify_token(&t, &keys, "ver_1", scope::DOCUMENT, NOW + 10).unwrap();
    assert_eq!((claims.sub.as_str(), claims.exp), ("ver_1", NOW + 900));
    // Expired; not yet valid.
    assert_eq!(
        verify_token(&t, &keys, "ver_1", scope::DOCUMENT, NOW + 900)
            .unwrap_err()
            .code(),
        "token_expired"
    );
    assert_eq!(
        verify_token(&t, &keys, "ver_1", scope::DOCUMENT, NOW - 3600)
            .unwrap_err()
            .code(),
        "token_expired"
    );
    // Another verification's token; a scope it lacks: 403.
    let e = verify_token(&t, &keys, "ver_2", scope::DOCUMENT, NOW).unwrap_err();
    assert_eq!(
        (e.code(), e.http_status()),
        ("token_wrong_verification", 403)
    );
    let e = verify_token(&t, &keys, "ver_1", scope::FACE, NOW).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("token_scope", 403));
    // Unknown key id, another key, a rotated key ring that still has the old key.
    assert!(
        verify_token(
            &t,
            &[TokenKey::new("k2", [9; 32])],
            "ver_1",
            scope::DOCUMENT,
            NOW
        )
        .is_err()
    );
    assert!(
        verify_token(
            &t,
            &[TokenKey::new("k1", [8; 32])],
            "ver_1",
            scope::DOCUMENT,
            NOW
        )
        .is_err()
    );
    let ring = [TokenKey::new("k2", [1; 32]), TokenKey::new("k1", [9; 32])];
    assert!(verify_token(&t, &ring, "ver_1", scope::DOCUMENT, NOW).is_ok());
    // Lifetimes above 15 minutes are refused at issue.
    assert_eq!(
        issue_token(&key, "ver_1", &scope::ALL, NOW, 901, &mut rng())
            .unwrap_err()
            .code(),
        "token_lifetime"
    );
}

#[test]
fn forged_tokens_are_refused() {
    let keys = [TokenKey::new("k1", [9; 32])];
    let t = issue_token(&keys[0], "ver_1", &scope::ALL, NOW, 600, &mut rng()).unwrap();
    let parts: Vec<&str> = t.split('.').collect();
    // alg=none with no signature.
    let none = Base64UrlUnpadded::encode_string(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    assert_eq!(
        verify_token(
            &format!("{none}.{}.", parts[1]),
            &keys,
            "ver_1",
            scope::DOCUMENT,
            NOW
        )
        .unwrap_err()
        .http_status(),
        401
    );
    // Claims swapped to another verification, old signature kept.
    let claims = String::from_utf8(Base64UrlUnpadded::decode_vec(parts[1]).unwrap())
        .unwrap()
        .replace("ver_1", "ver_2");
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        Base64UrlUnpadded::encode_string(claims.as_bytes()),
        parts[2]
    );
    assert_eq!(
        verify_token(&swapped, &keys, "ver_2", scope::DOCUMENT, NOW)
            .unwrap_err()
            .code(),
        "credential_invalid"
    );
    // Garbage.
    for bad in ["", "a.b", "a.b.c.d", &"x".repeat(5000)] {
        assert!(verify_token(bad, &keys, "ver_1", scope::DOCUMENT, NOW).is_err());
    }
}

proptest! {
    #[test]
    fn arbitrary_credentials_never_panic_and_never_pass(s in ".{0,300}") {
        let keys = [TokenKey::new("k1", [9; 32])];
        prop_assert!(verify_token(&s, &keys, "ver_1", scope::DOCUMENT, NOW).is_err());
        let stored = NewApiKey::generate(&mut rng()).stored;
        prop_assert!(verify_api_key(&s, &stored).is_err());
    }
}
