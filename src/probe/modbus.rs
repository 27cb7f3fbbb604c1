//! Modbus/TCP: Read Device Identification, read only.
