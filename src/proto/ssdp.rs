//! SSDP (UPnP discovery) messages and UPnP device descriptions.
