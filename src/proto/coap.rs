//! CoAP (RFC 7252) messages and CoRE link format (RFC 6690).
