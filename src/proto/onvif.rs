//! WS-Discovery probes and the ONVIF device service (GetDeviceInformation).
