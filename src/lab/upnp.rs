//! Lab UPnP device.
