namespace City.Protocols.Modbus;

public sealed class ModbusTcpClientOptions
{
    /// <summary>Time allowed between sending a request and receiving its response. Default 1 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed to open the TCP connection. Default 3 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Wait after a connection opens before its first request goes out, on <see cref="TimeProvider"/>: some gateways drop or
    /// garble a request that arrives right after the connection. Not counted in <see cref="RequestTimeout"/>. Default 0.
    /// </summary>
    public TimeSpan PauseAfterConnect { get; init; }

    /// <summary>
    /// Times a read (01, 02, 03, 04, 17, 43/14) is sent again after a timeout or a corrupt or mismatched answer (CRC error, wrong
    /// unit or function, malformed PDU, broken connection). Writes (05, 06, 15, 16, 22, 23) are never sent again for these: they may have
    /// been executed. Default 0.
    /// </summary>
    public int Retries { get; init; }

    /// <summary>
    /// Times any request is sent again after exception 06 (server device busy) or 05 (acknowledge), after
    /// <see cref="BusyRetryDelay"/>. Once they are spent the <see cref="ModbusException"/> surfaces. Default 3.
    /// </summary>
    public int BusyRetries { get; init; } = 3;

    /// <summary>Pause before a busy retry, on <see cref="TimeProvider"/>; other requests may use the connection meanwhile. Default 100 ms.</summary>
    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Clock for both timeouts and busy retry pauses; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
