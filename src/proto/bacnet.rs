//! BACnet/IP (ASHRAE 135 Annex J): BVLC, NPDU, Who-Is/I-Am, ReadProperty.
