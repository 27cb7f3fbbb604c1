//! ONVIF: WS-Discovery probe and GetDeviceInformation.
