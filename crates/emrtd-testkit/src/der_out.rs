//! Minimal DER writing for fixtures, on top of `tlv::encode`.

use der::asn1::ObjectIdentifier;

/// `tag { parts… }`.
pub fn tlv(tag: u32, parts: &[&[u8]]) -> Vec<u8> {
    tlv::encode(tlv::Tag::new(tag), &parts.concat()).expect("fixture fits a 4-byte length")
}

/// SEQUENCE.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, parts)
}

/// SET (the caller orders DER SET OF elements when it matters; see [`set_of`]).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x31, parts)
}

/// DER SET OF: elements sorted by their encodings (X.690 §11.6).
pub fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    set(&refs)
}

/// OBJECT IDENTIFIER.
pub fn oid(o: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, &[o.as_bytes()])
}

/// INTEGER from unsigned big-endian bytes (minimal, with a 00 when the top bit is set).
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut v = if trimmed.is_empty() { vec![0] } else { trimmed };
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &[&v])
}

/// INTEGER from a small number.
pub fn int(n: u64) -> Vec<u8> {
    uint(&n.to_be_bytes())
}

/// OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, &[b])
}

/// BIT STRING with no unused bits.
pub fn bits(b: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0], b])
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

/// `[n] EXPLICIT` (constructed context tag).
pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xA0 | u32::from(n), &[inner])
}

/// AlgorithmIdentifier with optional parameters.
pub fn alg(o: &ObjectIdentifier, params: Option<&[u8]>) -> Vec<u8> {
    match params {
        Some(p) => seq(&[&oid(o), p]),
        None => seq(&[&oid(o)]),
    }
}

/// UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
pub fn time(t: der::DateTime) -> Vec<u8> {
    if t.year() < 2050 {
        let s = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            t.month(),
            t.day(),
            t.hour(),
            t.minutes(),
            t.seconds()
        );
        tlv(0x17, &[s.as_bytes()])
    } else {
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minutes(),
            t.seconds()
        );
        tlv(0x18, &[s.as_bytes()])
    }
}

/// A Name from an RFC 4514-style string `CN=…,O=…,C=…` (no escapes). RDNs are written in reverse
/// string order, so the name prints back as written.
pub fn name(dn: &str) -> Vec<u8> {
    let mut rdns = Vec::new();
    for part in dn.split(',').rev() {
        let (k, v) = part.trim().split_once('=').expect("attribute=value");
        let (attr, tag) = match k {
            "C" => ("2.5.4.6", 0x13),
            "O" => ("2.5.4.10", 0x0C),
            "OU" => ("2.5.4.11", 0x0C),
            "CN" => ("2.5.4.3", 0x0C),
            "serialNumber" => ("2.5.4.5", 0x13),
            other => panic!("unsupported attribute {other}"),
        };
        let atv = seq(&[
            &oid(&ObjectIdentifier::new_unwrap(attr)),
            &tlv(tag, &[v.as_bytes()]),
        ]);
        rdns.push(set(&[&atv]));
    }
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    seq(&refs)
}
