//! BACnet/IP over UDP: Who-Is, then ReadProperty of the device object.
