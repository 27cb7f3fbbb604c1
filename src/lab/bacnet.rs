//! Lab BACnet/IP controller.
