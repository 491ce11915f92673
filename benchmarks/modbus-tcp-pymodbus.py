"""Sequential FC03 reads with pymodbus' synchronous ModbusTcpClient (Debian python3-pymodbus 3.0), for
benchmarks/modbus-tcp-compare.sh. Run with /usr/bin/python3 (the Debian interpreter that has pymodbus).

Usage: /usr/bin/python3 modbus-tcp-pymodbus.py HOST PORT SECONDS UNIT ADDRESS COUNT [WARMUP_SECONDS]
Prints one line: RESULT client=pymodbus transactions=N seconds=S tps=X p50_us=.. p99_us=.. cpu_s=.. (user+sys over the window)
"""
import sys
import time

import pymodbus
from pymodbus.client import ModbusTcpClient


def run_for(client, seconds, unit, address, count, latencies):
    done = 0
    end = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        if start >= end:
            return done
        response = client.read_holding_registers(address, count, slave=unit)
        if response.isError() or len(response.registers) != count:
            raise SystemExit(f"pymodbus: bad response: {response}")
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
        done += 1


def main():
    host, port, seconds, unit, address, count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    warmup = float(sys.argv[7]) if len(sys.argv) > 7 else 1.0
    client = ModbusTcpClient(host, port=port, timeout=5)
    if not client.connect():
        raise SystemExit(f"pymodbus: cannot connect to {host}:{port}")
    try:
        run_for(client, warmup, unit, address, count, None)
        latencies = []
        cpu_before = time.process_time()
        started = time.perf_counter()
        done = run_for(client, seconds, unit, address, count, latencies)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
    finally:
        client.close()
    latencies.sort()
    p50 = int(latencies[len(latencies) // 2] * 1e6)
    p99 = int(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e6)
    print(f"pymodbus {pymodbus.__version__}: {done} transactions in {elapsed:.2f} s = {done / elapsed:.0f}/s; latency p50 {p50} us, p99 {p99} us; client CPU {cpu:.2f} s")
    print(f"RESULT client=pymodbus transactions={done} seconds={elapsed:.3f} tps={done / elapsed:.1f} p50_us={p50} p99_us={p99} cpu_s={cpu:.3f}")


if __name__ == "__main__":
    main()
