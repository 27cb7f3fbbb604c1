//! Lab ONVIF camera.
