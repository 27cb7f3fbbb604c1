"""A BACnet/IP device (bacpypes3 0.0.110) for stadscan's real-server tests
(tests/real_ot.rs).

Usage: python bacnet_device.py ADDRESS [PORT]   (default port 47808; runs until killed)
"""
import asyncio
import sys

from bacpypes3.app import Application
from bacpypes3.local.device import DeviceObject
from bacpypes3.local.networkport import NetworkPortObject


async def main(address: str, port: int) -> None:
    device = DeviceObject(
        objectIdentifier=("device", 599),
        objectName="bacpypes3-test-device",
        vendorIdentifier=105,
        vendorName="Priva",
        modelName="Compri HX 8E",
        firmwareRevision="HX-4.2.7",
        applicationSoftwareVersion="4.2.7",
        location="Stadhuis, technische ruimte",
        description="stadscan real-server test device",
    )
    network_port = NetworkPortObject(
        f"{address}/32:{port}",
        objectIdentifier=("network-port", 1),
        objectName="NetworkPort-1",
        networkNumber=0,
        networkNumberQuality="unknown",
    )
    app = Application.from_object_list([device, network_port])
    print(f"bacnet device 599 on {address}:{port}", flush=True)
    try:
        await asyncio.Future()
    finally:
        app.close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: server.py ADDRESS [PORT]")
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 47808))
