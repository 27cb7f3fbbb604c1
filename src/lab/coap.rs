//! Lab CoAP sensor.
