namespace City.Protocols.Modbus;

public sealed class ModbusTcpClientOptions
{
    /// <summary>Time allowed between sending a request and receiving its response. Default 1 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed to open the TCP connection. Default 3 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Clock for both timeouts; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
