namespace City.Protocols.Modbus;

public sealed class ModbusRtuMasterOptions
{
    /// <summary>How long one slave may take to answer one request, from the start of the send. A dead slave costs this much per request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause after a broadcast so that slaves can execute it before the next request (the spec's turnaround delay, typically 100..200 ms).</summary>
    public TimeSpan BroadcastTurnaroundDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
