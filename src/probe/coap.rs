//! CoAP over UDP: GET /.well-known/core.
