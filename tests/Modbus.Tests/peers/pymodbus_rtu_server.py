"""Modbus RTU slave built on pymodbus 3.0, used as an independent peer by the RTU interoperability tests.

Usage: python3 pymodbus_rtu_server.py DEVICE HOLDING INPUT
Serves unit 1 only on DEVICE (19200 baud, 8N1: Linux pseudo-terminals reject pyserial's parity settings): other units get no answer (a dead slave), unit 0 is a broadcast.
HOLDING and INPUT are comma-separated register values starting at address 0. Prints "ready" once the port is open.
"""
import asyncio
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer
from pymodbus.transaction import ModbusRtuFramer


def parse_registers(text):
    return [int(value) for value in text.split(",") if value]


async def main():
    device = sys.argv[1]
    holding = parse_registers(sys.argv[2])
    inputs = parse_registers(sys.argv[3])
    # zero_mode: PDU address 0 is the first value of each block (pymodbus otherwise shifts by one).
    store = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        zero_mode=True,
    )
    context = ModbusServerContext(slaves={1: store}, single=False)
    server = await StartAsyncSerialServer(
        context=context,
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
