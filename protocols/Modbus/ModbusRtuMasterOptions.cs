namespace City.Protocols.Modbus;

public sealed class ModbusRtuMasterOptions
{
    /// <summary>How long one slave may take to answer one request, from the start of the send. A dead slave costs this much per request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause after a broadcast so that slaves can execute it before the next request (the spec's turnaround delay, typically 100..200 ms).</summary>
    public TimeSpan BroadcastTurnaroundDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Times a read (01, 02, 03, 04, 17, 43/14) is sent again after a timeout or a corrupt or mismatched answer (CRC error, wrong
    /// unit or function, malformed PDU). Writes (05, 06, 15, 16, 22, 23) are never sent again for these: they may have
    /// been executed. Default 0.
    /// </summary>
    public int Retries { get; init; }

    /// <summary>
    /// Times any request is sent again after exception 06 (server device busy) or 05 (acknowledge), after
    /// <see cref="BusyRetryDelay"/>. Once they are spent the <see cref="ModbusException"/> surfaces. Default 3.
    /// </summary>
    public int BusyRetries { get; init; } = 3;

    /// <summary>Pause before a busy retry, on <see cref="TimeProvider"/>; other requests may use the line meanwhile. Default 100 ms.</summary>
    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Clock for timeouts, the broadcast turnaround and busy retry pauses; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
