//! Arbitrary legacy rows through decoding, assembly, the rules and `explain`; the body is
//! `billmigrate::fuzzing::decode_and_decide`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billmigrate::fuzzing::decode_and_decide(data);
});
