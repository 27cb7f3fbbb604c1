//! The CISO report: one self-contained HTML file.
