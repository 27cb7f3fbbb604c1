//! The credential data in `checks/credentials/`.
