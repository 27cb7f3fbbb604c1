//! HTTP and RTSP Digest authentication (RFC 7616): the challenge parser and
//! the response computation.
