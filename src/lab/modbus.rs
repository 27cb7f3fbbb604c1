//! Lab Modbus/TCP PLC.
