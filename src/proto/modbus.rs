//! Modbus/TCP: MBAP framing and Read Device Identification (0x2B/0x0E).
