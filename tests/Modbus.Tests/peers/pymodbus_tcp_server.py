"""Modbus TCP server built on pymodbus, used as an independent peer by the interoperability tests.

Usage: python3 pymodbus_tcp_server.py PORT HOLDING INPUT
HOLDING and INPUT are comma-separated register values starting at address 0. Any unit id is answered.
"""
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer


def parse_registers(text):
    return [int(value) for value in text.split(",") if value]


def main():
    port = int(sys.argv[1])
    holding = parse_registers(sys.argv[2])
    inputs = parse_registers(sys.argv[3])
    # zero_mode: PDU address 0 is the first value of each block (pymodbus otherwise shifts by one).
    store = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        zero_mode=True,
    )
    context = ModbusServerContext(slaves=store, single=True)
    print(f"pymodbus listening on 127.0.0.1:{port}", flush=True)
    StartTcpServer(context=context, address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
