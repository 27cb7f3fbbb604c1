"""A Modbus/TCP PLC with device identification, on pymodbus 3.16, for
stadscan's real-server tests (tests/real_ot.rs).

Usage: python plc_server.py ADDRESS PORT   (runs until killed)
"""
import sys

from pymodbus import ModbusDeviceIdentification
from pymodbus.server import StartTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

address, port = sys.argv[1], int(sys.argv[2])
identity = ModbusDeviceIdentification(
    info_name={
        "VendorName": "Schneider Electric",
        "ProductCode": "BMX P34 2020",
        "MajorMinorRevision": "v2.70",
        "VendorUrl": "http://www.se.com",
        "ProductName": "Modicon M340",
        "ModelName": "BMX P34 2020",
    }
)
# Device id 0 answers every unit id, as Modbus/TCP devices usually do.
device = SimDevice(id=0, simdata=[SimData(0, values=[0] * 16, datatype=DataType.REGISTERS)])
# pymodbus 3.16 serves the identity handed to the server.
StartTcpServer(context=device, identity=identity, address=(address, port))
