"""pymodbus' synchronous ModbusSerialClient (Debian python3-pymodbus 3.0) polling the same map as `Benchmarks.dll
modbus-rtu`: CYCLES full-map cycles of FC03 reads of up to 125 registers, after one warm-up cycle. A peer baseline for
benchmarks/modbus-rtu.sh. The pty is opened 8N1 (pyserial cannot set parity on a Linux pty); pymodbus computes its own
t3.5 (11 bits per character up to 19200 baud, 1.75 ms above). Run with /usr/bin/python3.

Usage: /usr/bin/python3 modbus-rtu-pymodbus.py DEVICE BAUD CYCLES [REGISTERS [UNIT]]
Prints a RESULT line in the format of `modbus-rtu` (without the wire-limit fields, which the caller knows).
"""
import statistics
import sys
import time

import pymodbus
from pymodbus.client import ModbusSerialClient


def poll_map(client, registers, unit):
    for address in range(0, registers, 125):
        count = min(125, registers - address)
        response = client.read_holding_registers(address, count, slave=unit)
        if response.isError() or len(response.registers) != count:
            raise SystemExit(f"pymodbus: bad response at {address}: {response}")


def main():
    device, baud, cycles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    registers = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    unit = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    client = ModbusSerialClient(device, baudrate=baud, bytesize=8, parity="N", stopbits=1, timeout=2)
    if not client.connect():
        raise SystemExit(f"pymodbus: cannot open {device}")
    try:
        poll_map(client, registers, unit)
        durations = []
        for _ in range(cycles):
            start = time.perf_counter()
            poll_map(client, registers, unit)
            durations.append(time.perf_counter() - start)
    finally:
        client.close()
    rates = [registers / d for d in durations]
    mean = registers * cycles / sum(durations)
    requests = cycles * ((registers + 124) // 125)
    stddev = statistics.stdev(rates) if len(rates) > 1 else 0.0
    print(f"pymodbus {pymodbus.__version__} serial client: {mean:.1f} registers/s (per cycle: min {min(rates):.1f}, max {max(rates):.1f}, stddev {stddev:.1f}); "
          f"{sum(durations) * 1000 / requests:.3f} ms per request")
    print(f"RESULT baud={baud} cycles={cycles} registers={registers} mean_rps={mean:.1f} min_rps={min(rates):.1f} max_rps={max(rates):.1f} "
          f"stddev_rps={stddev:.1f} request_ms={sum(durations) * 1000 / requests:.3f}")


if __name__ == "__main__":
    main()
