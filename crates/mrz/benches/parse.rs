//! Parse throughput: TD3 and TD1 on one core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mrz::{Date, Mrz, ParseOptions};

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn bench(c: &mut Criterion) {
    let opts = ParseOptions::new(Date::new(2010, 1, 1).unwrap());
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("td3", |b| {
        b.iter(|| Mrz::parse(black_box(TD3), &opts).unwrap())
    });
    g.bench_function("td1", |b| {
        b.iter(|| Mrz::parse(black_box(TD1), &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
