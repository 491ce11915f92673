/* Sequential FC03 reads with libmodbus (Debian libmodbus-dev), for benchmarks/modbus-tcp-compare.sh.
 * Build: gcc -O2 -o modbus-tcp-libmodbus modbus-tcp-libmodbus.c $(pkg-config --cflags --libs libmodbus)
 * Usage: modbus-tcp-libmodbus HOST PORT SECONDS UNIT ADDRESS COUNT [WARMUP_SECONDS]
 * Prints one line: RESULT client=libmodbus transactions=N seconds=S tps=X p50_us=.. p99_us=.. cpu_s=.. (user+sys over the window)
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define HISTOGRAM_BUCKETS 200000 /* 1 us buckets up to 200 ms */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* user + system CPU time of this process, seconds */
static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static long run_for(modbus_t *ctx, double seconds, int address, int count, long *histogram)
{
    uint16_t registers[MODBUS_MAX_READ_REGISTERS];
    long done = 0;
    double end = now_seconds() + seconds;
    for (;;) {
        double start = now_seconds();
        if (start >= end) {
            return done;
        }
        if (modbus_read_registers(ctx, address, count, registers) != count) {
            fprintf(stderr, "libmodbus: read failed: %s\n", modbus_strerror(errno));
            exit(1);
        }
        if (histogram != NULL) {
            long micros = (long)((now_seconds() - start) * 1e6);
            histogram[micros < HISTOGRAM_BUCKETS ? micros : HISTOGRAM_BUCKETS - 1]++;
        }
        done++;
    }
}

static long percentile(const long *histogram, long total, double fraction)
{
    long rank = (long)(total * fraction + 0.999999);
    long seen = 0;
    for (long i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) {
            return i;
        }
    }
    return HISTOGRAM_BUCKETS - 1;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s HOST PORT SECONDS UNIT ADDRESS COUNT [WARMUP_SECONDS]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double seconds = atof(argv[3]);
    int unit = atoi(argv[4]);
    int address = atoi(argv[5]);
    int count = atoi(argv[6]);
    double warmup = argc > 7 ? atof(argv[7]) : 1.0;

    modbus_t *ctx = modbus_new_tcp(host, port);
    if (ctx == NULL || modbus_set_slave(ctx, unit) != 0) {
        fprintf(stderr, "libmodbus: cannot create the context\n");
        return 1;
    }
    modbus_set_response_timeout(ctx, 5, 0);
    if (modbus_connect(ctx) != 0) {
        fprintf(stderr, "libmodbus: cannot connect to %s:%d: %s\n", host, port, modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }

    long *histogram = calloc(HISTOGRAM_BUCKETS, sizeof(long));
    run_for(ctx, warmup, address, count, NULL);
    double cpu_before = cpu_seconds();
    double started = now_seconds();
    long done = run_for(ctx, seconds, address, count, histogram);
    double elapsed = now_seconds() - started;
    double cpu = cpu_seconds() - cpu_before;
    modbus_close(ctx);
    modbus_free(ctx);

    long p50 = percentile(histogram, done, 0.50), p99 = percentile(histogram, done, 0.99);
    printf("libmodbus %s: %ld transactions in %.2f s = %.0f/s; latency p50 %ld us, p99 %ld us; client CPU %.2f s\n",
           LIBMODBUS_VERSION_STRING, done, elapsed, done / elapsed, p50, p99, cpu);
    printf("RESULT client=libmodbus transactions=%ld seconds=%.3f tps=%.1f p50_us=%ld p99_us=%ld cpu_s=%.3f\n", done, elapsed, done / elapsed, p50, p99, cpu);
    free(histogram);
    return 0;
}
