"""Modbus TCP server built on pymodbus, used as an independent peer by the interoperability tests.

Usage: python3 pymodbus_tcp_server.py PORT HOLDING INPUT [COILS [DISCRETE]]
HOLDING and INPUT are comma-separated register values starting at address 0; COILS and DISCRETE are
strings of 0 and 1 (first character = address 0). Any unit id is answered. Device identification
(43/14): VendorName "City Test Peer", ProductCode "PYMODBUS", MajorMinorRevision "3.0".
"""
import sys

from pymodbus.device import ModbusDeviceIdentification
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer


def parse_registers(text):
    return [int(value) for value in text.split(",") if value]


def parse_bits(text):
    return [character == "1" for character in text]


def main():
    port = int(sys.argv[1])
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
    context = ModbusServerContext(slaves=store, single=True)
    identity = ModbusDeviceIdentification(
        info_name={"VendorName": "City Test Peer", "ProductCode": "PYMODBUS", "MajorMinorRevision": "3.0"}
    )
    print(f"pymodbus listening on 127.0.0.1:{port}", flush=True)
    StartTcpServer(context=context, identity=identity, address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
