//! DG2 (ISO/IEC 19794-5 faces in JPEG and JPEG 2000) and DG7 over the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use emrtd::lds::{BiometricData, Dg2, Dg7, ImageDataType};
use emrtd_testkit::der_out::tlv;
use emrtd_testkit::{Face, dg2};
use proptest::prelude::*;

const JPG: &[u8] = include_bytes!("../../imaging/tests/data/face.jpg");
const JP2: &[u8] = include_bytes!("../../imaging/tests/data/face.jp2");

#[test]
fn jpeg_and_jpeg2000_faces_parse_and_decode() {
    let bytes = dg2(&[
        Face {
            image: JPG,
            data_type: 0,
            width: 96,
            height: 128,
        },
        Face {
            image: JP2,
            data_type: 1,
            width: 96,
            height: 128,
        },
    ]);
    let d = Dg2::parse(&bytes).unwrap();
    assert_eq!(d.templates.len(), 2);
    assert_eq!(d.templates[0].header.format_type, Some(8));
    let faces: Vec<_> = d.faces().collect();
    assert_eq!(faces[0].image.data_type, ImageDataType::Jpeg);
    assert_eq!(faces[1].image.data_type, ImageDataType::Jpeg2000);
    assert_eq!(faces[1].gender, 2);
    for face in faces {
        assert!(!face.image.declared_type_mismatch());
        let img = face.image.decode(&imaging::Limits::default()).unwrap();
        assert_eq!((img.width(), img.height()), (96, 128));
    }
    // Debug never prints the image.
    assert!(format!("{d:?}").len() < 2000);
}

#[test]
fn a_declared_type_that_lies_is_detected_and_the_bytes_decide() {
    let d = Dg2::parse(&dg2(&[Face {
        image: JP2,
        data_type: 0,
        width: 96,
        height: 128,
    }]))
    .unwrap();
    let face = d.faces().next().unwrap();
    assert!(face.image.declared_type_mismatch());
    assert!(face.image.decode(&imaging::Limits::default()).is_ok());
}

#[test]
fn other_biometric_formats_are_kept_not_errors() {
    let template = tlv(
        0x7F60,
        &[
            &tlv(0xA1, &[&tlv(0x81, &[&[2]])]),
            &tlv(0x7F2E, &[&tlv(0xA1, &[&[1, 2, 3]])]),
        ],
    );
    let bytes = tlv(0x75, &[&tlv(0x7F61, &[&tlv(0x02, &[&[1]]), &template])]);
    let d = Dg2::parse(&bytes).unwrap();
    assert!(matches!(
        d.templates[0].data,
        BiometricData::Unsupported { .. }
    ));
    assert_eq!(d.faces().count(), 0);
}

#[test]
fn malformed_dg2() {
    let good = dg2(&[Face {
        image: JPG,
        data_type: 0,
        width: 96,
        height: 128,
    }]);
    // Wrong FAC version.
    let mut bad_version = good.clone();
    let at = bad_version.windows(4).position(|w| w == b"010\0").unwrap();
    bad_version[at + 1] = b'3';
    assert_eq!(
        Dg2::parse(&bad_version).unwrap_err().code(),
        "lds_invalid_element"
    );
    // Record length past the end of the block.
    let mut long = good.clone();
    long[at + 4] = 0x7F;
    assert_eq!(Dg2::parse(&long).unwrap_err().code(), "lds_invalid_element");
    // No 7F60; count mismatch.
    assert_eq!(
        Dg2::parse(&tlv(0x75, &[&tlv(0x7F61, &[&tlv(0x02, &[&[1]])])]))
            .unwrap_err()
            .code(),
        "lds_missing_element"
    );
    let two = dg2(&[Face {
        image: JPG,
        data_type: 0,
        width: 96,
        height: 128,
    }]);
    let mut count = two.clone();
    let c = count
        .windows(3)
        .position(|w| w == [0x02, 0x01, 0x01])
        .unwrap();
    count[c + 2] = 2;
    assert_eq!(
        Dg2::parse(&count).unwrap_err().code(),
        "lds_invalid_element"
    );
    // A corrupt image parses (the file is well formed) and fails to decode with the image code.
    let cut = dg2(&[Face {
        image: &JPG[..JPG.len() / 2],
        data_type: 0,
        width: 96,
        height: 128,
    }]);
    let d = Dg2::parse(&cut).unwrap();
    assert_eq!(
        d.faces()
            .next()
            .unwrap()
            .image
            .decode(&imaging::Limits::default())
            .unwrap_err()
            .code(),
        "image_corrupt"
    );
}

#[test]
fn dg7_signature_images() {
    let bytes = tlv(0x67, &[&tlv(0x02, &[&[1]]), &tlv(0x5F43, &[JPG])]);
    let d = Dg7::parse(&bytes).unwrap();
    assert_eq!(d.images.len(), 1);
    assert_eq!(
        d.decode(0, &imaging::Limits::default())
            .unwrap()
            .unwrap()
            .width(),
        96
    );
    assert!(d.decode(1, &imaging::Limits::default()).is_none());
    let mismatch = tlv(0x67, &[&tlv(0x02, &[&[2]]), &tlv(0x5F43, &[JPG])]);
    assert_eq!(
        Dg7::parse(&mismatch).unwrap_err().code(),
        "lds_invalid_element"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), at in 0usize..2500, byte in any::<u8>()) {
        let _ = Dg2::parse(&bytes);
        let _ = Dg7::parse(&bytes);
        let mut mutated = dg2(&[Face { image: JPG, data_type: 0, width: 96, height: 128 }]);
        let i = at % mutated.len();
        mutated[i] = byte;
        if let Ok(d) = Dg2::parse(&mutated) {
            for f in d.faces() {
                let _ = f.image.decode(&imaging::Limits::default());
            }
        }
    }
}
