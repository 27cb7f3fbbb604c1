//! SSDP M-SEARCH and the UPnP device description.
