//! Property tests: encode → parse round-trips over arbitrary trees, and no panic on any bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use tlv::{Builder, Error, Tag, Tlv, Tlvs, encode};

/// A tree of data objects to encode.
#[derive(Debug, Clone)]
enum Node {
    Prim(Tag, Vec<u8>),
    Cons(Tag, Vec<Node>),
}

fn prim_tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        // one-byte tags without the constructed bit and not 0x00/0xFF/xx11111
        (0x01u32..=0xFE).prop_filter("primitive single byte", |t| t & 0x20 == 0
            && t & 0x1F != 0x1F),
        // two-byte tags 5F01..5F7F
        (0x01u32..=0x7F).prop_map(|b| 0x5F00 | b),
        // three-byte tags 5F81xx
        (0x00u32..=0x7F).prop_map(|b| 0x5F_8100 | b),
    ]
    .prop_map(Tag::new)
}

fn cons_tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        (0x20u32..=0xFE).prop_filter("constructed single byte", |t| t & 0x20 != 0
            && t & 0x1F != 0x1F
            && *t != 0xFF),
        (0x01u32..=0x7F).prop_map(|b| 0x7F00 | b),
    ]
    .prop_map(Tag::new)
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = (prim_tag(), prop::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(t, v)| Node::Prim(t, v));
    leaf.prop_recursive(4, 64, 6, |inner| {
        (cons_tag(), prop::collection::vec(inner, 0..6)).prop_map(|(t, c)| Node::Cons(t, c))
    })
}

fn build(n: &Node) -> Vec<u8> {
    match n {
        Node::Prim(t, v) => encode(*t, v).unwrap(),
        Node::Cons(t, children) => children
            .iter()
            .fold(Builder::new(*t), |b, c| b.raw(&build(c)))
            .finish()
            .unwrap(),
    }
}

fn check(n: &Node, t: &Tlv<'_>) {
    match n {
        Node::Prim(tag, v) => {
            assert_eq!(t.tag(), *tag);
            assert_eq!(t.value(), &v[..]);
        }
        Node::Cons(tag, children) => {
            assert_eq!(t.tag(), *tag);
            let parsed = t.children().unwrap().collect_all().unwrap();
            assert_eq!(parsed.len(), children.len());
            for (c, p) in children.iter().zip(&parsed) {
                check(c, p);
            }
        }
    }
}

/// Walks everything parseable; must never panic whatever the bytes.
fn walk(input: &[u8], depth: usize) {
    for item in Tlvs::new(input) {
        let Ok(t) = item else { return };
        let _ = (
            t.offset(),
            t.value_offset(),
            t.raw().len(),
            t.tag().to_string(),
        );
        if depth < 8 {
            walk(t.value(), depth + 1);
            let _ = t.find(Tag::new(0x5F1F));
            let _ = t.find_path(&[Tag::new(0x7F61), Tag::new(0x5F2E)]);
        }
    }
    let _ = Tlvs::new(input).skip_padding().count();
    let _ = Tlv::parse_exact(input);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_parse_round_trip(n in node()) {
        let bytes = build(&n);
        let t = Tlv::parse_exact(&bytes).unwrap();
        check(&n, &t);
        prop_assert_eq!(t.raw(), &bytes[..]);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        walk(&bytes, 0);
    }

    #[test]
    fn errors_point_inside_the_input(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for item in Tlvs::new(&bytes) {
            if let Err(e) = item
                && let Some(off) = e.offset()
            {
                prop_assert!(off <= bytes.len(), "{e:?} beyond {}", bytes.len());
            }
        }
    }

    #[test]
    fn truncation_is_always_detected(n in node(), cut in 1usize..64) {
        let bytes = build(&n);
        let cut = cut.min(bytes.len());
        let short = &bytes[..bytes.len() - cut];
        let r = Tlv::parse_exact(short);
        prop_assert!(matches!(r, Err(Error::Truncated { .. })), "{r:?}");
    }
}
