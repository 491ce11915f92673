"""Modbus master built on pymodbus' client, used as an independent peer against our slaves.

Usage: python3 pymodbus_client.py tcp HOST PORT UNIT
       python3 pymodbus_client.py rtu DEVICE BAUD UNIT
Runs a fixed script of requests (function codes 01, 02, 03, 04, 05, 06, 15, 16, 22, 23 and one read beyond the map)
(22 and 23 take `unit=` in pymodbus 3.0, the others `slave=`)
and prints one JSON object with what each read returned, so the test can compare it with the slave's map.
Expects the map the test sets up: 100 holding registers, 20 input registers, 40 coils, 40 discrete inputs.
"""
import json
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient


def registers(response):
    if response.isError():
        raise RuntimeError(f"unexpected error response: {response}")
    return list(response.registers)


def bits(response, count):
    if response.isError():
        raise RuntimeError(f"unexpected error response: {response}")
    return [bool(b) for b in response.bits[:count]]


def checked(response):
    if response.isError():
        raise RuntimeError(f"unexpected error response: {response}")


def main():
    mode = sys.argv[1]
    if mode == "tcp":
        client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), timeout=10)
    else:
        client = ModbusSerialClient(sys.argv[2], baudrate=int(sys.argv[3]), parity="N", timeout=10)
    unit = int(sys.argv[4])
    if not client.connect():
        raise RuntimeError("cannot connect")

    result = {}
    result["holding"] = registers(client.read_holding_registers(0, 10, slave=unit))
    result["input"] = registers(client.read_input_registers(0, 5, slave=unit))
    result["coils"] = bits(client.read_coils(0, 12, slave=unit), 12)
    result["discrete"] = bits(client.read_discrete_inputs(0, 12, slave=unit), 12)
    checked(client.write_register(5, 4242, slave=unit))
    checked(client.write_registers(10, [1, 2, 3], slave=unit))
    checked(client.write_coil(4, True, slave=unit))
    checked(client.write_coils(8, [True, False, True], slave=unit))
    checked(client.mask_write_register(address=20, and_mask=0x00F2, or_mask=0x0025, unit=unit))
    result["readwrite"] = registers(
        client.readwrite_registers(read_address=10, read_count=3, write_address=30, write_registers=[7, 8], unit=unit))
    beyond = client.read_holding_registers(500, 1, slave=unit)
    result["beyond_exception_code"] = beyond.exception_code if beyond.isError() else None
    client.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
