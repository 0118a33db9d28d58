//! The fuzz target's body over every input kept in fuzz/regressions/ (crashes the fuzzer
//! once found, kept as fixtures) and over 20,000 seeded random inputs, so `cargo test`
//! catches what `scripts/fuzz` would find again, without libFuzzer.

use rand::{Rng, SeedableRng};

#[test]
fn kept_fuzz_inputs_and_seeded_random_inputs_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut kept = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            billmigrate::fuzzing::decode_and_decide(&std::fs::read(&path).unwrap());
            kept += 1;
        }
    }
    assert!(kept >= 1, "fuzz/regressions/ holds the seed inputs");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261124);
    for _ in 0..20_000 {
        let len = rng.random_range(0..1024);
        let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        billmigrate::fuzzing::decode_and_decide(&data);
    }
}
