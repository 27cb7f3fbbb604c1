//! The certificate reader of `stadscan::proto::pem` on libFuzzer's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stadscan_fuzz::exercise::pem(data));
