//! Prints every development photo's observation (run with --nocapture --ignored).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod common;

#[test]
#[ignore = "exploration: prints measures"]
fn print_measures() {
    let mut names: Vec<String> = std::fs::read_dir(common::data_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    for n in names {
        if imaging::decode(&common::jpeg(&n), &imaging::Limits::default()).is_err() {
            println!("{n:20} does not decode");
            continue;
        }
        let img = common::photo(&n);
        let o = liveness::frame::observe_image(common::engine(), 0, 0, &img);
        match o.face {
            Some(f) => println!(
                "{n:20} yaw {:6.3} pitch {:5.3} roll {:6.1} eye {:5.3} mar {:5.3} smile {:5.3} aspect {:5.3} w {:5.0} moire {:5.2} faces {}",
                f.yaw,
                f.pitch,
                f.roll_deg,
                f.eye_open.unwrap_or(-1.0),
                f.mar,
                f.smile,
                f.aspect,
                f.width_px,
                f.moire,
                f.faces
            ),
            None => println!("{n:20} no face {:?}", o.error),
        }
    }
}

#[test]
#[ignore = "exploration: prints moiré measures"]
fn print_moire() {
    for n in [
        "img1.jpg",
        "img10.jpg",
        "img18.jpg",
        "img26.jpg",
        "img46.jpg",
        "img51.jpg",
        "img25.jpg",
    ] {
        let img = common::photo(n);
        let m = |i: &imaging::Image| {
            liveness::frame::observe_image(common::engine(), 0, 0, i)
                .face
                .map_or(-1.0, |f| f.moire)
        };
        let mut noise = common::Lcg(3);
        let lit = common::lit(&img, None, 0.0, &mut noise);
        println!(
            "{n:12} plain {:5.2} noised {:5.2} moire(2.6,7) {:5.2} moire(3.3,5) {:5.2} moire(4.0,4) {:5.2}",
            m(&img),
            m(&lit),
            m(&common::moire(&lit, 2.6, 0.3, 7.0)),
            m(&common::moire(&lit, 3.3, 0.5, 5.0)),
            m(&common::moire(&lit, 4.0, 0.2, 4.0)),
        );
    }
}
