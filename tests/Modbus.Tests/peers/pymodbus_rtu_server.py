"""Modbus RTU slave built on pymodbus 3.0, used as an independent peer by the RTU interoperability tests.

Usage: python3 pymodbus_rtu_server.py DEVICE HOLDING INPUT [COILS [DISCRETE]]
Serves unit 1 only on DEVICE (19200 baud, 8N1: Linux pseudo-terminals reject pyserial's parity settings): other units get no answer (a dead slave), unit 0 is a broadcast.
HOLDING and INPUT are comma-separated register values starting at address 0; COILS and DISCRETE are strings of 0 and 1
(first character = address 0). Device identification (43/14): VendorName "City Test Peer", ProductCode "PYMODBUS-RTU",
MajorMinorRevision "3.0". Prints "ready" once the port is open.
"""
import asyncio
import sys

from pymodbus.device import ModbusDeviceIdentification
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer
from pymodbus.transaction import ModbusRtuFramer


def parse_registers(text):
    return [int(value) for value in text.split(",") if value]


def parse_bits(text):
    return [character == "1" for character in text]


async def main():
    device = sys.argv[1]
    holding = parse_registers(sys.argv[2])
    inputs = parse_registers(sys.argv[3])
    coils = parse_bits(sys.argv[4]) if len(sys.argv) > 4 else [False]
    discrete = parse_bits(sys.argv[5]) if len(sys.argv) > 5 else [False]
    # zero_mode: PDU address 0 is the first value of each block (pymodbus otherwise shifts by one).
    store = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        co=ModbusSequentialDataBlock(0, coils),
        di=ModbusSequentialDataBlock(0, discrete),
        zero_mode=True,
    )
    context = ModbusServerContext(slaves={1: store}, single=False)
    identity = ModbusDeviceIdentification(
        info_name={"VendorName": "City Test Peer", "ProductCode": "PYMODBUS-RTU", "MajorMinorRevision": "3.0"}
    )
    server = await StartAsyncSerialServer(
        context=context,
        identity=identity,
        framer=ModbusRtuFramer,
        port=device,
        baudrate=19200,
        bytesize=8,
        parity="N",
        stopbits=1,
        timeout=0.05,
        ignore_missing_slaves=True,
        broadcast_enable=True,
        defer_start=True,
    )
    await server.start()
    if server.transport is None:
        print(f"could not open {device}", flush=True)
        sys.exit(2)
    print(f"ready on {device}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
